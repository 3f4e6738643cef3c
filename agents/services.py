"""Every write to agents: registration, updates (trust, suspension), token rotation, reputation.

Each function is keyword-only, runs in one transaction and appends its event there (docs/api.md §10, §13).
Views, the admin and management commands all call these; nothing else writes an Agent.
"""

import math
import re
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kizuna.accounts.models import Actor, Token, User
from kizuna.accounts.services import actor_for_agent, login_taken, token_create, token_revoke
from kizuna import policy
from kizuna.api.errors import ValidationFailed
from kizuna.events.models import Event
from kizuna.events.services import emit_event

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


# --- reputation -----------------------------------------------------------------------------------
# See docs/agents.md, "Reputation". Evidence fades with a half-life, so an idle agent drifts back to
# the neutral prior; a smoothed rate needs a few outcomes before it moves far from 0.5.
REPUTATION_PRIOR = 0.5
PRIOR_WEIGHT = 2.0  # pseudo-outcomes of the prior: (successes + 0.5*2) / (outcomes + 2)
HALF_LIFE_DAYS = 90.0
PR_WEIGHT = 0.6
PIPELINE_WEIGHT = 0.4
PR_PENDING_DAYS = 7  # an open PR younger than this is not judged yet; older, it counts as not merged
FINAL_PIPELINE_STATUSES = {"success": True, "failed": False}


def _age_weight(when: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - when).total_seconds() / 86400)
    return math.pow(0.5, age_days / HALF_LIFE_DAYS)


def _smoothed(successes: float, outcomes: float) -> float:
    return (successes + REPUTATION_PRIOR * PRIOR_WEIGHT) / (outcomes + PRIOR_WEIGHT)


def _pr_outcomes(agent_actor: Actor, now: datetime) -> list[tuple[datetime, bool]]:
    """(when, merged) for each judged PR the agent opened."""
    opened = {}
    for repo_id, payload, created in Event.objects.filter(actor=agent_actor, type="pull_request.opened").values_list(
        "repository_id", "payload", "created_at"
    ):
        number = (payload.get("pull_request") or {}).get("number") if isinstance(payload, dict) else None
        if repo_id is not None and number is not None:
            opened.setdefault((repo_id, number), created)
    if not opened:
        return []
    decided: dict[tuple, tuple[datetime, bool]] = {}
    repo_ids = {repo_id for repo_id, _ in opened}
    later = Event.objects.filter(
        repository_id__in=repo_ids, type__in=("pull_request.merged", "pull_request.closed", "pull_request.reopened")
    ).order_by("id").values_list("repository_id", "type", "payload", "created_at")
    for repo_id, type_, payload, created in later:
        number = (payload.get("pull_request") or {}).get("number") if isinstance(payload, dict) else None
        key = (repo_id, number)
        if key not in opened or decided.get(key, (None, False))[1]:
            continue  # not the agent's PR, or already merged (a merge is final)
        if type_ == "pull_request.reopened":
            decided.pop(key, None)
        else:
            decided[key] = (created, type_ == "pull_request.merged")
    outcomes = []
    for key, opened_at in opened.items():
        if key in decided:
            outcomes.append(decided[key])
        elif now - opened_at >= timedelta(days=PR_PENDING_DAYS):
            outcomes.append((opened_at, False))
    return outcomes


def _pipeline_outcomes(agent: Agent, agent_actor: Actor) -> list[tuple[datetime, bool]]:
    """(when, passed) for each pipeline the agent triggered that finished success or failed (last word wins)."""
    rows = Event.objects.filter(type="pipeline.status_changed", payload__pipeline__triggered_by__id=str(agent.pk))
    rows = rows.order_by("id").values_list("repository_id", "payload", "created_at")
    final: dict[tuple, tuple[datetime, bool]] = {}
    for repo_id, payload, created in rows:
        pipeline = payload.get("pipeline") or {}
        by = pipeline.get("triggered_by") or {}
        if by.get("type", "Agent") != "Agent":
            continue
        status = pipeline.get("status")
        key = (repo_id, pipeline.get("id"))
        if status in FINAL_PIPELINE_STATUSES:
            final[key] = (created, FINAL_PIPELINE_STATUSES[status])
        elif status in ("pending", "running", "canceled", "skipped"):
            final.pop(key, None)  # re-run or canceled: not an outcome (any more)
    return list(final.values())


def compute_reputation(agent: Agent, *, now: datetime | None = None) -> float:
    """The reputation the event log supports for `agent` (0.0–1.0); see docs/agents.md."""
    now = now or timezone.now()
    agent_actor = actor_for_agent(agent)
    prs = _pr_outcomes(agent_actor, now)
    pipelines = _pipeline_outcomes(agent, agent_actor)

    def rate(outcomes):
        weights = [(_age_weight(when, now), ok) for when, ok in outcomes]
        return _smoothed(sum(w for w, ok in weights if ok), sum(w for w, _ in weights))

    score = PR_WEIGHT * rate(prs) + PIPELINE_WEIGHT * rate(pipelines)
    return round(min(1.0, max(0.0, score)), 4)


def recompute_reputation(agent: Agent, *, now: datetime | None = None) -> Agent:
    """Store the recomputed score and stamp `last_audited` (no event: it is derived data)."""
    now = now or timezone.now()
    score = compute_reputation(agent, now=now)
    Agent.objects.filter(pk=agent.pk).update(reputation_score=score, last_audited=now)
    agent.reputation_score, agent.last_audited = score, now
    return agent


def agents_concerned_by(event: Event) -> list[Agent]:
    """The agents whose reputation an outcome event may change: the PR's opener, the pipeline's trigger."""
    agent_ids = set()
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.type in ("pull_request.merged", "pull_request.closed"):
        number = (payload.get("pull_request") or {}).get("number")
        if number is not None and event.repository_id is not None:
            opened = Event.objects.filter(
                repository_id=event.repository_id, type="pull_request.opened", payload__pull_request__number=number,
                actor__type=Actor.Type.AGENT,
            ).values_list("actor__agent_id", flat=True)
            agent_ids.update(opened)
    elif event.type == "pipeline.status_changed":
        by = (payload.get("pipeline") or {}).get("triggered_by") or {}
        if by.get("type") == "Agent" and by.get("id"):
            agent_ids.add(by["id"])
    return list(Agent.objects.select_related("operator").filter(pk__in=[a for a in agent_ids if a]))


def recompute_for_event(event_id: int) -> list[Agent]:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return []
    return [recompute_reputation(agent) for agent in agents_concerned_by(event)]


OUTCOME_EVENT_TYPES = {"pull_request.merged", "pull_request.closed", "pipeline.status_changed"}


def reputation_listener(event: Event) -> None:
    """An EVENT_LISTENERS hook: after an outcome event commits, recompute the concerned agents in the background.

    No query runs inside the change's transaction; a failed enqueue is logged, never raised.
    """
    if event.type not in OUTCOME_EVENT_TYPES:
        return
    if event.type == "pipeline.status_changed":
        status = ((event.payload or {}).get("pipeline") or {}).get("status")
        if status not in FINAL_PIPELINE_STATUSES:
            return
    event_id = event.pk

    def enqueue():
        from .tasks import recompute_reputation_for_event

        recompute_reputation_for_event.enqueue(event_id)

    transaction.on_commit(enqueue, robust=True)


def recompute_all_reputations(*, now: datetime | None = None) -> int:
    count = 0
    for agent in Agent.objects.select_related("operator").order_by("created_at", "pk").iterator(chunk_size=200):
        recompute_reputation(agent, now=now)
        count += 1
    return count
