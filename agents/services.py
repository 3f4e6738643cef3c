"""Every write to agents: registration, updates (trust, suspension), token rotation.

Each function is keyword-only, runs in one transaction and appends its event there (docs/api.md §10, §13).
Views, the admin and management commands all call these; nothing else writes an Agent (the derived
reputation score is stored by agents/reputation.py).
"""

import re

from django.db import IntegrityError, transaction

from kizuna.accounts.models import Actor, Token, User
from kizuna.accounts.actors import actor_for_agent
from kizuna.accounts.services import login_taken, token_create, token_revoke
from kizuna import policy
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event

from .models import AGENT_NAME_RE, Agent, TrustLevel

CAPABILITY_RE = re.compile(r"^[a-z0-9][a-z0-9._:/-]{0,49}$")
MAX_CAPABILITIES = 50
_UNSET = object()


# --- validation ----------------------------------------------------------------------------------
def validate_name(name) -> str:
    if not isinstance(name, str) or not re.fullmatch(AGENT_NAME_RE, name):
        raise ValidationFailed({"name": ["must be 1-39 characters of a-z, 0-9 and -"]})
    if login_taken(name):
        raise ValidationFailed({"name": ["already exists"]})
    return name


def clean_capabilities(capabilities) -> list[str]:
    if not isinstance(capabilities, list | tuple) or not all(isinstance(c, str) for c in capabilities):
        raise ValidationFailed({"capabilities": ["must be a list of strings"]})
    bad = [c for c in capabilities if not CAPABILITY_RE.fullmatch(c)]
    if bad:
        raise ValidationFailed({"capabilities": [f"invalid capability {bad[0]!r}: 1-50 of a-z, 0-9 and . _ : / -"]})
    unique = list(dict.fromkeys(capabilities))
    if len(unique) > MAX_CAPABILITIES:
        raise ValidationFailed({"capabilities": [f"at most {MAX_CAPABILITIES} capabilities"]})
    return unique


def clean_trust_level(trust_level, *, by: User | None) -> int:
    if isinstance(trust_level, bool) or not isinstance(trust_level, int) or not 0 <= trust_level <= 4:
        raise ValidationFailed({"trust_level": ["must be an integer from 0 to 4"]})
    policy.check_grant_trust(by, trust_level)
    return trust_level


def agent_payload(agent: Agent) -> dict:
    return {
        "id": str(agent.pk), "name": agent.name, "operator": agent.operator.username,
        "model_family": agent.model_family, "model_version": agent.model_version,
        "capabilities": list(agent.capabilities or []), "trust_level": agent.trust_level,
        "trust_level_name": agent.trust_level_name, "status": agent.status,
    }


# --- registration ---------------------------------------------------------------------------------
def agent_register(
    *,
    operator: User,
    actor: Actor,
    name: str,
    model_family: str,
    model_version: str,
    description: str = "",
    capabilities=(),
    trust_level: int = TrustLevel.RESTRICTED,
    internal: bool = False,
    by: User | None = None,
) -> tuple[Agent, str]:
    """Register an agent operated by `operator`; returns it with its `kza_` token (shown once).

    `by` is the user making the change (defaults to the operator): only staff may grant trust 4.
    """
    by = by or operator
    validate_name(name)
    capabilities = clean_capabilities(list(capabilities))
    trust_level = clean_trust_level(trust_level, by=by)
    for field, value in (("model_family", model_family), ("model_version", model_version)):
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise ValidationFailed({field: ["must be 1-100 characters"]})
    try:
        with transaction.atomic():
            agent = Agent.objects.create(
                name=name, description=description or "", operator=operator, model_family=model_family,
                model_version=model_version, capabilities=capabilities, trust_level=trust_level, internal=internal,
            )
            agent_actor = actor_for_agent(agent)
            _, raw = token_create(kind=Token.Kind.AGENT, name=f"{name} (registered)", actor=actor, agent=agent,
                                  created_by=by, emit=False)
            emit_event(type="agent.registered", actor=actor, subject=agent_actor, payload={"agent": agent_payload(agent)})
    except IntegrityError:  # a concurrent registration (or a user) won the race for the name
        raise ValidationFailed({"name": ["already exists"]}) from None
    return agent, raw


# --- updates --------------------------------------------------------------------------------------
@transaction.atomic
def agent_update(
    *,
    agent: Agent,
    actor: Actor,
    by: User | None,
    description=_UNSET,
    capabilities=_UNSET,
    trust_level=_UNSET,
    status=_UNSET,
    internal=_UNSET,
) -> Agent:
    """Change an agent's mutable fields. One event per kind of change:

    `agent.trust_changed` (trust level), `agent.suspended` (status → suspended), `agent.updated`
    (description, capabilities, internal, status → active). Nothing changed → no event.
    """
    agent = Agent.objects.select_for_update().select_related("operator").get(pk=agent.pk)
    agent_actor = actor_for_agent(agent)
    changes: dict[str, dict] = {}

    if description is not _UNSET:
        description = description or ""
        if description != agent.description:
            changes["description"] = {"from": agent.description}
            agent.description = description
    if capabilities is not _UNSET:
        capabilities = clean_capabilities(capabilities)
        if capabilities != list(agent.capabilities or []):
            changes["capabilities"] = {"from": list(agent.capabilities or [])}
            agent.capabilities = capabilities
    if internal is not _UNSET and bool(internal) != agent.internal:
        changes["internal"] = {"from": agent.internal}
        agent.internal = bool(internal)
    trust_change = None
    if trust_level is not _UNSET and trust_level != agent.trust_level:
        trust_level = clean_trust_level(trust_level, by=by)
        trust_change = {"from": agent.trust_level, "from_name": agent.trust_level_name}
        agent.trust_level = trust_level
    status_change = None
    if status is not _UNSET and status != agent.status:
        if status not in Agent.Status.values:
            raise ValidationFailed({"status": [f"must be one of {', '.join(Agent.Status.values)}"]})
        status_change = {"from": agent.status}
        agent.status = status

    if not (changes or trust_change or status_change):
        return agent
    agent.save()
    payload = {"agent": agent_payload(agent)}
    if trust_change:
        emit_event(type="agent.trust_changed", actor=actor, subject=agent_actor,
                   payload={**payload, "changes": {"trust_level": trust_change}})
    if status_change and agent.status == Agent.Status.SUSPENDED:
        emit_event(type="agent.suspended", actor=actor, subject=agent_actor,
                   payload={**payload, "changes": {"status": status_change}})
    elif status_change:
        changes["status"] = status_change
    if changes:
        emit_event(type="agent.updated", actor=actor, subject=agent_actor, payload={**payload, "changes": changes})
    return agent


def agent_suspend(*, agent: Agent, actor: Actor, by: User | None) -> Agent:
    return agent_update(agent=agent, actor=actor, by=by, status=Agent.Status.SUSPENDED)


@transaction.atomic
def agent_rotate_token(*, agent: Agent, actor: Actor, by: User | None) -> tuple[Token, str]:
    """Revoke every active token of the agent and issue a new one; the old ones fail at once (401)."""
    agent = Agent.objects.select_for_update().select_related("operator").get(pk=agent.pk)
    revoked = []
    for old in Token.objects.active().filter(agent=agent, kind=Token.Kind.AGENT):
        token_revoke(token=old, actor=None, emit=False)
        revoked.append(old.pk)
    token, raw = token_create(kind=Token.Kind.AGENT, name=f"{agent.name} (rotated)", actor=actor, agent=agent,
                              created_by=by, emit=False)
    emit_event(type="agent.token_rotated", actor=actor, subject=actor_for_agent(agent),
               payload={"agent": agent_payload(agent), "token": {"id": token.pk, "hint": token.hint},
                        "revoked_token_ids": revoked})
    return token, raw
