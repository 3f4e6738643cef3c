"""THE authorization policy. Every door — REST, git smart HTTP, SSE, the agent job protocol, MCP,
the web pages and the admin — asks it; no role, staff, scope or trust comparison lives elsewhere
(tests/policy/test_single_policy.py fails the suite when one appears).

- `rules`: the tables (`Action.RULES`: role, scope and trust per action; namespace rules; trust caps)
- `subjects`: who asks (principal kinds, the staff rule, the scope check)
- `repositories`: `check(principal, repo, action)`, `visible_repos_q`, which action a change needs
- `namespaces`, `agents`, `jobs`, `events`: the rules of those subjects
- `protection`: branch protection — which rules a pull request does not meet, whose approval counts,
  what a protected branch refuses of a push
- `querysets.restrict`: every queryset a viewset reads through, narrowed to what the caller may read
- `drf`: the DRF permission classes
- `facts`: what the rules ask of the apps above the policy (jobs, pipelines, protection rules, reviews),
  which those apps answer at ready(): the policy imports no resource app but repos

See docs/architecture.md, "The authorization policy", for adding a protected endpoint.
"""

from .agents import (
    agents_q,
    check_agent_change,
    check_grant_trust,
    check_manage_agent,
    is_internal,
    max_grantable_trust,
    may_manage_agent,
)
from .events import EventViewer, changes_access, is_admin_event, repo_events_q, stream_viewer
from .jobs import check_job_runner, job_repos_compiled_q, job_repos_q, job_token_alive
from .namespaces import check_create_repo, check_members, check_namespace_admin
from .facts import protection_of, protections  # the pulls app's rules, as the policy reads them
from .protection import check_mergeable, unmet_rules
from .querysets import restrict
from .refs import push_ref_rule
from .repositories import (
    allowed,
    can_read,
    check,
    check_agent,
    forget_roles,
    member_repos_q,
    merge_action,
    namespace_role,
    own_or,
    push_action,
    repo_role,
    require,
    settings_actions,
    trust_denied,
    visible_repos_q,
)
from .rules import Action, Rule
from .subjects import check_scope, is_staff, is_superuser, principal_kind, require_signed_in, require_user

__all__ = [
    "Action", "EventViewer", "Rule", "agents_q", "check_agent_change", "allowed", "can_read", "changes_access", "check", "check_agent",
    "check_create_repo", "check_grant_trust", "check_job_runner", "check_manage_agent", "check_members",
    "check_mergeable", "check_namespace_admin", "check_scope", "forget_roles", "is_admin_event",
    "is_internal", "is_staff", "is_superuser", "job_repos_compiled_q", "job_repos_q", "job_token_alive", "max_grantable_trust",
    "may_manage_agent", "member_repos_q", "merge_action", "namespace_role", "own_or", "principal_kind",
    "protection_of", "protections", "push_action", "push_ref_rule", "repo_events_q", "repo_role",
    "require", "require_signed_in", "require_user", "restrict", "settings_actions", "stream_viewer",
    "trust_denied", "unmet_rules", "visible_repos_q",
]
