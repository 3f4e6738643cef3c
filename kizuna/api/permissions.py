"""Moved: the authorization policy is the `kizuna.policy` package. These names stay importable
while code moves over; nothing here decides anything."""

from kizuna.policy import (  # noqa: F401
    Action,
    allowed,
    can_read,
    check,
    check_agent,
    check_create_repo,
    check_job_runner,
    check_namespace_admin,
    job_repos_q,
    namespace_role,
    principal_kind,
    push_action,
    repo_role,
    require,
    trust_denied,
    visible_repos_q,
)
from kizuna.policy.drf import IsSignedIn, TokenScopePermission, UserCredentialsOnly  # noqa: F401
from kizuna.policy.subjects import check_scope


def require_scope(request, scope: str) -> None:
    check_scope(request.auth, scope)
