"""Pushes, ref by ref: what each ref update of a push may do — allow, fast-forward only, or deny with
the reason git shows the pusher. The smart-HTTP door (repos/smart_http/views.py) asks this for every ref
before git receives the pack."""

from rest_framework import exceptions

from .protection import push_rule_of
from .repositories import allowed, check, push_action
from .rules import Action
from .subjects import principal_kind

ALLOW, FAST_FORWARD, DENY = "allow", "ff", "deny"


def _reason(exc: Exception) -> str:
    detail = getattr(exc, "detail", None) or getattr(exc, "message", None) or str(exc)
    return " ".join(str(detail).split())


def push_ref_rule(principal, repo, ref: str, *, deleting: bool, token=None) -> tuple[str, str]:
    """(ALLOW | FAST_FORWARD | DENY, reason) for one update of `ref` (a full `refs/heads/…` or
    `refs/tags/…` name) by `principal`. A protected branch's rule (docs/api.md §16) binds everyone,
    admins included: deletions, direct pushes when a pull request is required, force pushes."""
    short = ref.split("/", 2)[2] if ref.count("/") >= 2 else ref
    action = push_action(repo, ref, principal)
    try:
        check(principal, repo, action, token=token)
    except exceptions.APIException as exc:
        reason = _reason(exc)
        if principal_kind(principal) == "agent" and action == Action.PUSH and allowed(
                principal, repo, Action.PUSH_AGENT_BRANCH, token=token):
            reason += f"; agent '{principal.name}' may push only to agent/{principal.name}/... branches"
        if action == Action.PUSH_DEFAULT:
            reason = f"{short} is the protected default branch: {reason}"
        return DENY, reason
    if action == Action.PUSH_DEFAULT and deleting:
        return DENY, f"{short} is the default branch and cannot be deleted"
    if ref.startswith("refs/heads/"):
        imposed = push_rule_of(repo, short, deleting=deleting)
        if imposed is not None and imposed[0] == DENY:
            return imposed
    else:
        imposed = None
    if action == Action.PUSH_DEFAULT and not allowed(principal, repo, Action.FORCE_PUSH_DEFAULT, token=token):
        return FAST_FORWARD, f"{short} is the protected default branch: non-fast-forward pushes need the admin role"
    if imposed is not None:
        return imposed
    return ALLOW, ""
