"""Who is asking: the principal's kind, the user whose role applies, the staff rule, token scopes.

A principal is what authentication put in `request.user`: a `User`, an `agents.Agent`, a
`TokenPrincipal` (deploy and job tokens) or an anonymous user.
"""

from rest_framework import exceptions

from kizuna.accounts.principals import TokenPrincipal, principal_kind
from kizuna.api.errors import Forbidden

__all__ = ["TokenPrincipal", "principal_kind", "acting_user", "is_staff", "is_superuser", "token_scopes",
           "check_scope", "require_signed_in", "require_user"]


def acting_user(principal):
    """The user whose role applies: the user, or an agent's operator; None otherwise."""
    kind = principal_kind(principal)
    if kind == "user":
        return principal
    if kind == "agent":
        return principal.operator
    return None


def is_staff(user) -> bool:
    """The one staff rule: forge operators (Django's `is_staff` or `is_superuser`), active, as people.

    Staff see and manage every agent, grant trust level 4, and count in the Internal rate-limit tier.
    An agent is never staff, whoever operates it.
    """
    return bool(principal_kind(user) == "user" and user.is_active and (user.is_staff or user.is_superuser))


def is_superuser(principal) -> bool:
    """Superusers hold the admin role in every namespace (their agents too, capped by trust)."""
    user = acting_user(principal)
    return bool(user is not None and user.is_active and user.is_superuser)


def token_scopes(token) -> set[str] | None:
    """The scopes a credential carries; None when scopes don't apply (sessions, agent tokens)."""
    if isinstance(token, TokenPrincipal):
        token = token.token
    if token is not None and getattr(token, "kind", None) in ("personal", "deploy", "job"):
        return set(token.scopes or [])
    return None


def check_scope(token, scope: str) -> None:
    """The one scope check: a personal, deploy or job token must carry `scope`."""
    scopes = token_scopes(token)
    if scopes is not None and scope not in scopes:
        raise Forbidden(
            f"This token lacks the '{scope}' scope",
            details={"required_scope": scope, "scopes": sorted(scopes)},
        )


def require_signed_in(principal) -> str:
    kind = principal_kind(principal)
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    return kind


def require_user(principal) -> None:
    """A person (session or personal token): agents and deploy tokens get 403."""
    if require_signed_in(principal) != "user":
        raise Forbidden("This endpoint needs user credentials (a session or a personal token)")
