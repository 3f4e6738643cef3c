"""Who may open a stream and keep reading it. kizuna.policy.events decides; this authenticates the
caller (afresh on every re-check: a revoked token or changed password ends the stream) and asks it."""

import logging

from rest_framework import exceptions

from kizuna import policy
from kizuna.api import pool
from kizuna.api.views import get_repository

logger = logging.getLogger("kizuna.events.streams")


def authenticate(request, *, fresh: bool):
    """(principal, token) from a bearer token or the session. `fresh`: look the token up again (a
    re-check); otherwise the lookup this request's rate limiter made moments ago is used."""
    from kizuna.api.authentication import bearer_token, lookup_token, resolve_credentials

    raw = bearer_token(request)
    if raw is not None:
        if not raw:
            raise exceptions.AuthenticationFailed("Bad credentials")
        principal, token = lookup_token(raw) if fresh else resolve_credentials(request)
        policy.check_scope(token, "read")
        return principal, token
    from django.contrib.auth import get_user
    from django.contrib.auth.models import AnonymousUser

    if not hasattr(request, "session"):
        return AnonymousUser(), None
    user = get_user(request)  # verifies the session's auth hash: a changed password ends it
    return (user if user.is_authenticated and user.is_active else AnonymousUser()), None


def authorize(request, *, org=None, repo=None, fresh: bool = True) -> policy.EventViewer:
    """Raise the envelope's errors (401/403/404) unless the caller may open this stream."""
    principal, token = authenticate(request, fresh=fresh)
    policy.forget_roles(principal)
    repository = get_repository(org, repo) if org is not None else None
    return policy.stream_viewer(principal, token, repo=repository)


def concerns(viewer: policy.EventViewer, entry) -> bool:
    """Whether an event may change what this stream's caller reads: an access-changing event of a
    repository it reads, or one about people, agents or tokens (no repository)."""
    if not policy.changes_access(entry.data["type"]):
        return False
    repo_id = entry.meta[0]
    return repo_id is None or repo_id == viewer.repo_id or viewer.repo_id is None


async def recheck_access(request, viewer, *, org, repo, fail_closed: bool) -> tuple[bool, policy.EventViewer]:
    """(may the stream go on, the viewer to judge events with) after deciding access afresh. When the
    database cannot answer: an access-changing event ends the stream (`fail_closed`), the timer's
    backstop keeps serving with what it knew and asks again later."""
    try:
        return True, await pool.db(authorize)(request, org=org, repo=repo)
    except exceptions.APIException:
        return False, viewer
    except Exception:  # noqa: BLE001 - the database is struggling
        logger.warning("SSE access re-check failed%s", "; ending the stream" if fail_closed else "; will retry",
                       exc_info=True)
        return not fail_closed, viewer
