"""The one permission component: "may this principal do ACTION on this repository?" (API.md §3, §10).

It combines, in this order: visibility (invisible → 404), token scopes, the user's (or the agent
operator's) role in the repository's namespace, and the agent's trust level. Views and services ask
`require(principal, repo, action)`; nothing else decides access.
"""

from dataclasses import dataclass

from django.db.models import Q
from rest_framework import exceptions, permissions

from kizuna.accounts.models import ROLE_RANK, Membership, Role, role_at_least
from kizuna.accounts.principals import TokenPrincipal, principal_kind

from .errors import Forbidden, NotFound


@dataclass(frozen=True)
class Rule:
    role: str | None  # the namespace role needed; None: anyone who can read the repo
    trust: int  # the agent trust level needed (API.md §10)
    scope: str  # the personal-token scope needed
    deploy: bool = False  # deploy tokens (with this scope) may do it on their own repository
    signed_in: bool = True
    capability: str | None = None  # an agent must also declare this capability (API.md §10: `ci`)


class Action:
    """Named actions and the rule each needs. Later apps look actions up here, never re-implement."""

    READ = "read"  # see the repository, its issues, PRs, pipelines…; clone
    COMMENT = "comment"  # comment, open issues, edit one's own issues and comments
    OPEN_DRAFT_PULL = "open_draft_pull"
    OPEN_PULL = "open_pull"  # a ready (non-draft) pull request; mark one's own ready
    MARK_READY = "mark_ready"  # mark someone else's draft pull request ready for review
    PUSH_AGENT_BRANCH = "push_agent_branch"  # refs/heads/agent/<agent-name>/…
    PUSH = "push"  # any non-default branch
    PUSH_DEFAULT = "push_default"  # the protected default branch
    PIPELINE = "pipeline"  # trigger and cancel pipelines
    TRIAGE = "triage"  # labels, assignees, milestones; close/edit others' issues
    MODERATE = "moderate"  # delete others' comments
    MERGE = "merge"  # into a non-default branch
    MERGE_DEFAULT = "merge_default"
    SETTINGS = "settings"  # repo settings (rename, description, default branch, archive)
    ADMIN = "admin"  # visibility, delete, webhooks, deploy tokens
    RUN_JOB = "run_job"  # claim and run pipeline jobs (agents with capability `ci`)

    RULES = {
        READ: Rule(role=None, trust=0, scope="read", deploy=True, signed_in=False),
        COMMENT: Rule(role=None, trust=1, scope="write"),
        OPEN_DRAFT_PULL: Rule(role=None, trust=1, scope="write"),
        OPEN_PULL: Rule(role=None, trust=2, scope="write"),
        MARK_READY: Rule(role=Role.WRITE, trust=2, scope="write"),
        PUSH_AGENT_BRANCH: Rule(role=Role.WRITE, trust=1, scope="write", deploy=True),
        PUSH: Rule(role=Role.WRITE, trust=2, scope="write", deploy=True),
        PUSH_DEFAULT: Rule(role=Role.WRITE, trust=4, scope="write", deploy=True),
        PIPELINE: Rule(role=Role.WRITE, trust=2, scope="write", deploy=True),
        TRIAGE: Rule(role=Role.WRITE, trust=3, scope="write"),
        MODERATE: Rule(role=Role.MAINTAIN, trust=3, scope="write"),
        MERGE: Rule(role=Role.WRITE, trust=3, scope="write"),
        MERGE_DEFAULT: Rule(role=Role.WRITE, trust=4, scope="write"),
        SETTINGS: Rule(role=Role.ADMIN, trust=4, scope="write"),
        ADMIN: Rule(role=Role.ADMIN, trust=4, scope="admin"),
        RUN_JOB: Rule(role=Role.READ, trust=2, scope="write", capability="ci"),  # see job_repos_q
    }


SCOPE_RANK = {"read": 1, "write": 2, "admin": 3}


def token_scopes(request_or_principal) -> set[str] | None:
    """The scopes a credential carries; None when scopes don't apply (sessions, agents)."""
    token = getattr(request_or_principal, "auth", None)
    if isinstance(request_or_principal, TokenPrincipal):
        return set(request_or_principal.scopes)
    if token is not None and getattr(token, "kind", None) in ("personal", "deploy", "job"):
        return set(token.scopes or [])
    return None


def require_scope(request, scope: str) -> None:
    scopes = token_scopes(request)
    if scopes is not None and scope not in scopes:
        raise Forbidden(
            f"This token lacks the '{scope}' scope",
            details={"required_scope": scope, "scopes": sorted(scopes)},
        )


def _acting_user(principal):
    """The user whose role applies: the user, or an agent's operator."""
    kind = principal_kind(principal)
    if kind == "user":
        return principal
    if kind == "agent":
        return principal.operator
    return None


def namespace_role(principal, namespace) -> str | None:
    """The principal's role in a namespace (cached on the principal for the request)."""
    user = _acting_user(principal)
    if user is None:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if namespace.user_id is not None:
        return Role.ADMIN if namespace.user_id == user.pk else None
    cache = user.__dict__.setdefault("_kizuna_roles", {})
    if namespace.pk not in cache:
        cache[namespace.pk] = (
            Membership.objects.filter(namespace_id=namespace.pk, user_id=user.pk).values_list("role", flat=True).first()
        )
    return cache[namespace.pk]


def repo_role(principal, repo) -> str | None:
    if isinstance(principal, TokenPrincipal):
        if principal.repository_id == repo.pk:
            return Role.WRITE if "write" in principal.scopes else Role.READ
        return None
    return namespace_role(principal, repo.namespace)


def can_read(principal, repo) -> bool:
    return repo.is_public or repo_role(principal, repo) is not None


def visible_repos_q(principal, prefix: str = "") -> Q:
    """A Q over Repository (or through `prefix`, e.g. 'repository__') limited to what can be read."""
    public = Q(**{f"{prefix}visibility": "public"})
    member = member_repos_q(principal, prefix)
    if member is None:
        return public
    if not member:  # Q(): every repository (`public | Q()` would be just `public`)
        return member
    return public | member


def member_repos_q(principal, prefix: str = "") -> Q | None:
    """Repositories the caller holds a role in (`repo_role` is not None), whatever their visibility:
    its own namespace's, its organisations' (an agent: its operator's), a deploy token's repository;
    every repository for a superuser. None for anonymous callers. `GET /user/repos` lists these."""
    if isinstance(principal, TokenPrincipal):
        return Q(**{f"{prefix}pk": principal.repository_id})
    user = _acting_user(principal)
    if user is None:
        return None
    if user.is_superuser:
        return Q()
    # A subquery, not a join through memberships: a join would repeat public rows once per member.
    member_of = Membership.objects.filter(user_id=user.pk).values("namespace_id")
    return Q(**{f"{prefix}namespace__user_id": user.pk}) | Q(**{f"{prefix}namespace_id__in": member_of})


def trust_denied(agent, required: int) -> Forbidden:
    return Forbidden(
        f"This needs trust level {required}; agent '{agent.name}' has {agent.trust_level}",
        details={"required_trust_level": required, "trust_level": agent.trust_level},
    )


def capability_denied(agent, capability: str) -> Forbidden:
    return Forbidden(
        f"This needs an agent with the '{capability}' capability",
        details={"required_capability": capability, "capabilities": list(agent.capabilities or [])},
    )


def check_agent(agent, rule: Rule) -> None:
    """The agent-only part of a rule: not suspended, trust level, capability."""
    if agent.is_suspended:  # authentication already refuses suspended agents; defence in depth
        raise Forbidden("This agent is suspended")
    if agent.trust_level < rule.trust:
        raise trust_denied(agent, rule.trust)
    if rule.capability and rule.capability not in (agent.capabilities or []):
        raise capability_denied(agent, rule.capability)


def check_job_runner(principal) -> None:
    """May this caller claim pipeline jobs at all (API.md §11: agents with `ci` and trust >= 2)?

    Which repositories' jobs it may run is then `check(principal, repo, Action.RUN_JOB)`.
    """
    kind = principal_kind(principal)
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    if kind != "agent":
        raise Forbidden("Only agents run pipeline jobs (an agent token is needed)")
    check_agent(principal, Action.RULES[Action.RUN_JOB])


def check(principal, repo, action: str, *, token=None) -> None:
    """Raise NotFound / NotAuthenticated / Forbidden unless `principal` may do `action` on `repo`."""
    rule = Action.RULES[action]
    if not can_read(principal, repo):
        raise NotFound()
    kind = principal_kind(principal)
    if action == Action.READ:
        return
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    if repo.archived and action not in (Action.SETTINGS, Action.ADMIN):
        raise Forbidden("This repository is archived and read-only", details={"archived": True})
    if kind == "deploy":
        own = principal.repository_id == repo.pk
        if not (rule.deploy and own and principal.token.kind == "deploy"):
            raise Forbidden("Deploy tokens may only clone, push and trigger pipelines on their repository")
        if rule.scope not in principal.scopes:
            raise Forbidden(
                f"This token lacks the '{rule.scope}' scope",
                details={"required_scope": rule.scope, "scopes": sorted(principal.scopes)},
            )
        return
    scopes = set(token.scopes or []) if token is not None and token.kind == "personal" else None
    if scopes is not None and rule.scope not in scopes:
        raise Forbidden(
            f"This token lacks the '{rule.scope}' scope",
            details={"required_scope": rule.scope, "scopes": sorted(scopes)},
        )
    if rule.role is not None and not role_at_least(repo_role(principal, repo), rule.role):
        raise Forbidden(f"This needs the '{rule.role}' role on {repo.full_name}", details={"required_role": rule.role})
    if kind == "agent":
        check_agent(principal, rule)
    elif rule.capability:  # only agents run jobs
        raise Forbidden("Only agents run pipeline jobs (an agent token is needed)")


def allowed(principal, repo, action: str, *, token=None) -> bool:
    try:
        check(principal, repo, action, token=token)
    except (exceptions.APIException,):
        return False
    return True


def require(request, repo, action: str) -> None:
    """`check` for a DRF request (its principal and token)."""
    check(request.user, repo, action, token=request.auth)


def push_action(repo, ref: str, principal) -> str:
    """Which push action a ref update needs (API.md §10: agent branches, others, the default)."""
    if ref == f"refs/heads/{repo.default_branch}":
        return Action.PUSH_DEFAULT
    if principal_kind(principal) == "agent" and ref.startswith(f"refs/heads/agent/{principal.name}/"):
        return Action.PUSH_AGENT_BRANCH
    return Action.PUSH


class TokenScopePermission(permissions.BasePermission):
    """The default DRF permission: safe methods need `read`, others `write` (personal/deploy tokens).

    Anonymous callers may read (objects then apply visibility); unsafe methods need a signed-in caller.
    Views whose action needs more declare `required_scope`.
    """

    def has_permission(self, request, view):
        safe = request.method in permissions.SAFE_METHODS
        if not safe and not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        scope = getattr(view, "required_scope", None) or ("read" if safe else "write")
        if request.user and request.user.is_authenticated:
            require_scope(request, scope)
        return True


class IsSignedIn(permissions.BasePermission):
    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return True


class UserCredentialsOnly(permissions.BasePermission):
    """A session or a personal token: agents and deploy tokens get 403."""

    def has_permission(self, request, view):
        kind = principal_kind(request.user)
        if kind == "anonymous":
            raise exceptions.NotAuthenticated()
        if kind != "user":
            raise Forbidden("This endpoint needs user credentials (a session or a personal token)")
        return True


__all__ = [
    "Action",
    "ROLE_RANK",
    "allowed",
    "can_read",
    "check",
    "check_agent",
    "check_job_runner",
    "trust_denied",
    "namespace_role",
    "push_action",
    "repo_role",
    "require",
    "require_scope",
    "visible_repos_q",
    "member_repos_q",
]


# Creating a repository is a namespace-level write: `write` in an organisation (a personal namespace's
# owner is its admin). Agents need Standard trust: what they then do inside it stays trust-capped.
CREATE_REPO_TRUST = 2


def check_create_repo(principal, namespace, *, token=None) -> None:
    kind = principal_kind(principal)
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    if kind == "deploy":
        raise Forbidden("Deploy tokens cannot create repositories")
    scopes = set(token.scopes or []) if token is not None and token.kind == "personal" else None
    if scopes is not None and "write" not in scopes:
        raise Forbidden("This token lacks the 'write' scope", details={"required_scope": "write", "scopes": sorted(scopes)})
    if not role_at_least(namespace_role(principal, namespace), Role.WRITE):
        raise Forbidden(f"Creating repositories in {namespace.login} needs the 'write' role", details={"required_role": "write"})
    if kind == "agent" and principal.trust_level < CREATE_REPO_TRUST:
        raise trust_denied(principal, CREATE_REPO_TRUST)


# Pipeline jobs (API.md §11): which repositories' jobs an agent allowed to run jobs at all
# (`check_job_runner`) receives — those where its operator has a role (read or more), the
# Action.RUN_JOB rule; public visibility alone does not let strangers' agents get a repository's
# jobs and variables.
def job_repos_q(agent, prefix: str = "") -> Q:
    """Repositories whose jobs `agent` may run: those where its operator has a role."""
    user = _acting_user(agent)
    if user is None:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    member_of = Membership.objects.filter(user_id=user.pk).values("namespace_id")
    return Q(**{f"{prefix}namespace__user_id": user.pk}) | Q(**{f"{prefix}namespace_id__in": member_of})


def check_namespace_admin(principal, namespace, *, token=None) -> None:
    """Organisation-level settings (org webhooks): the namespace's `admin` role, a personal token's
    `admin` scope, an agent at the ADMIN action's trust level; deploy tokens never."""
    kind = principal_kind(principal)
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    if kind == "deploy":
        raise Forbidden("Deploy tokens cannot manage organisations")
    scopes = set(token.scopes or []) if token is not None and token.kind == "personal" else None
    if scopes is not None and "admin" not in scopes:
        raise Forbidden("This token lacks the 'admin' scope", details={"required_scope": "admin", "scopes": sorted(scopes)})
    if not role_at_least(namespace_role(principal, namespace), Role.ADMIN):
        raise Forbidden(f"This needs the 'admin' role in {namespace.login}", details={"required_role": "admin"})
    trust = Action.RULES[Action.ADMIN].trust
    if kind == "agent" and principal.trust_level < trust:
        raise trust_denied(principal, trust)
