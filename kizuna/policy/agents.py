"""Agents as subjects of the policy: who sees and changes an agent, who may grant which trust level,
and which callers count in the Internal rate-limit tier."""

from django.db.models import Q

from kizuna.api.errors import Forbidden

from .rules import MAX_TRUST, MAX_TRUST_WITHOUT_STAFF
from .subjects import check_scope, is_staff, principal_kind, require_user


def agents_q(principal) -> Q:
    """The agents a caller lists: the ones it operates; staff list all; agents and deploy tokens none."""
    if is_staff(principal):
        return Q()
    if principal_kind(principal) != "user":
        return Q(pk__in=[])
    return Q(operator_id=principal.pk)


def may_manage_agent(principal, agent) -> bool:
    """The operator and staff change an agent and its tokens; an agent never changes itself."""
    return principal_kind(principal) == "user" and (agent.operator_id == principal.pk or is_staff(principal))


def check_manage_agent(principal, agent, *, what: str = "change it or its tokens") -> None:
    require_user(principal)
    if not may_manage_agent(principal, agent):
        raise Forbidden(f"Only the agent's operator and staff may {what}")


def check_agent_change(principal, agent, changes: dict, *, token=None) -> None:
    """A change to a managed agent: a new trust level is an `admin`-scope matter for personal tokens
    (sessions pass), and only staff grant trust 4."""
    if "trust_level" in changes and changes["trust_level"] != agent.trust_level:
        check_scope(token, "admin")
        check_grant_trust(principal, changes["trust_level"])


def max_grantable_trust(user) -> int:
    return MAX_TRUST if is_staff(user) else MAX_TRUST_WITHOUT_STAFF


def check_grant_trust(user, trust_level: int) -> None:
    """Operators grant trust 0–3; only staff grant 4 (Autonomous)."""
    if trust_level > max_grantable_trust(user):
        raise Forbidden(
            "Only staff may grant trust level 4 (Autonomous)",
            details={"trust_level": trust_level, "max_trust_level": MAX_TRUST_WITHOUT_STAFF},
        )


def is_internal(principal) -> bool:
    """The Internal rate-limit tier: staff, and agents or deploy tokens an admin marked internal."""
    kind = principal_kind(principal)
    if kind == "user":
        return is_staff(principal)
    if kind == "agent":
        return bool(principal.internal)
    if kind == "deploy":
        return bool(principal.token.internal)
    return False
