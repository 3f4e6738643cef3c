"""Repositories: who may see one, and who may do each `Action` on it.

`check(principal, repo, action, token=...)` raises the envelope's answer (404 for a repository the
caller may not see, 401 for an anonymous write, 403 otherwise) and is the only place that compares
roles, scopes, trust levels and capabilities for repository work.
"""

from collections.abc import Callable

from django.db.models import Q
from rest_framework import exceptions

from kizuna.accounts.models import Membership, Role
from kizuna.api.errors import Forbidden, NotFound
from kizuna.statements import Param, statement

from .rules import ROLE_RANK, Action, Rule
from .subjects import TokenPrincipal, acting_user, check_scope, is_superuser, principal_kind


def role_at_least(role: str | None, required: str | None) -> bool:
    return required is None or ROLE_RANK.get(role, 0) >= ROLE_RANK[required]


def namespace_role(principal, namespace) -> str | None:
    """The principal's role in a namespace (cached on the user for the request)."""
    user = acting_user(principal)
    if user is None or not user.is_active:
        return None
    if is_superuser(user):
        return Role.ADMIN
    if namespace.user_id is not None:
        return Role.ADMIN if namespace.user_id == user.pk else None
    cache = user.__dict__.setdefault("_kizuna_roles", {})
    if namespace.pk not in cache:
        cache[namespace.pk] = membership_role(namespace.pk, user.pk)
    return cache[namespace.pk]


def membership_role(namespace_id: int, user_id: int) -> str | None:
    """The user's membership role in an organization, or None. Nearly every request to an organization's
    private repository asks: the statement is compiled once (kizuna.statements)."""
    values = {"namespace": namespace_id, "user": user_id}

    def build():  # (namespace, user) is unique: no ORDER BY needed
        return Membership.objects.filter(
            namespace_id=Param("namespace", namespace_id), user_id=Param("user", user_id)).values_list("role")[:1]

    rows = statement(("policy.membership_role",), build, values).rows(values)
    return rows[0][0] if rows else None


def forget_roles(principal) -> None:
    """Drop the per-request role cache (a long-lived stream re-checks after a membership change)."""
    user = acting_user(principal)
    if user is not None:
        user.__dict__.pop("_kizuna_roles", None)


def repo_role(principal, repo) -> str | None:
    if isinstance(principal, TokenPrincipal):
        if principal.repository_id == repo.pk:
            return Role.WRITE if "write" in principal.scopes and principal.token.kind == "deploy" else Role.READ
        return None
    return namespace_role(principal, repo.namespace)


def can_read(principal, repo) -> bool:
    return repo.is_public or repo_role(principal, repo) is not None


def namespaces_with_role_q(user, role: str, field: str = "namespace_id", *, user_id=None) -> Q:
    """A Q over `field` (a namespace id): namespaces where `user` has at least `role`. `user_id`: what
    stands for `user.pk` in the SQL (a compiled statement's `Param`)."""
    ranks = [r for r, rank in ROLE_RANK.items() if r is not None and rank >= ROLE_RANK[role]]
    user_id = user.pk if user_id is None else user_id
    member_of = Membership.objects.filter(user_id=user_id, role__in=ranks).values("namespace_id")
    prefix = field[: -len("namespace_id")]
    # A subquery, not a join through memberships: a join would repeat rows once per member.
    return Q(**{f"{prefix}namespace__user_id": user_id}) | Q(**{f"{field}__in": member_of})


def visible_repos_q(principal, prefix: str = "") -> Q:
    """A Q over Repository (or through `prefix`, e.g. 'repository__') limited to what can be read."""
    public = Q(**{f"{prefix}visibility": "public"})
    if isinstance(principal, TokenPrincipal):
        return public | Q(**{f"{prefix}pk": principal.repository_id})
    user = acting_user(principal)
    if user is None or not user.is_active:
        return public
    if is_superuser(user):
        return Q()
    return public | namespaces_with_role_q(user, Role.READ, f"{prefix}namespace_id")


def repos_with_role_q(principal, role: str, prefix: str = "") -> Q:
    """Repositories where the principal's user (an agent's operator) holds at least `role`."""
    return repos_with_role_compiled_q(principal, role, prefix, compiled=False)[1]()


def repos_with_role_compiled_q(principal, role: str, prefix: str = "", *,
                               compiled: bool = True) -> tuple[tuple, Callable[[], Q], dict]:
    """`repos_with_role_q` for a statement compiled once per shape (kizuna.statements): (shape, q, values).
    `q()` builds the Q, the user's id a `Param` filled from `values`: called only when the statement is
    compiled (once per shape and process), not on every run. The shape names which form the Q takes."""
    user = acting_user(principal)
    if user is None or not user.is_active:
        return ("none",), lambda: Q(pk__in=[]), {}
    if is_superuser(user):
        return ("all",), Q, {}
    values = {"policy.user": user.pk}

    def q() -> Q:
        user_id = Param("policy.user", user.pk) if compiled else None
        return namespaces_with_role_q(user, role, f"{prefix}namespace_id", user_id=user_id)

    return ("member", role), q, values


def member_repos_q(principal, prefix: str = "") -> Q:
    """Repositories the caller holds a role in (`repo_role` is not None), whatever their visibility:
    its namespaces' (an agent: its operator's), a deploy token's own; all for a superuser; none for
    anonymous callers. `GET /user/repos` lists these (GitHub's "repositories I have access to")."""
    if isinstance(principal, TokenPrincipal):
        return Q(**{f"{prefix}pk": principal.repository_id})
    return repos_with_role_q(principal, Role.READ, prefix)


def trust_denied(agent, required: int) -> Forbidden:
    return Forbidden(
        f"This needs trust level {required}; agent '{agent.name}' has {agent.trust_level}",
        details={"required_trust_level": required, "trust_level": agent.trust_level},
    )


def check_agent(agent, rule: Rule) -> None:
    """The agent-only part of a rule: not suspended, trust level, capability."""
    if agent.is_suspended:  # authentication refuses suspended agents already; defence in depth
        raise Forbidden("This agent is suspended")
    if agent.trust_level < rule.trust:
        raise trust_denied(agent, rule.trust)
    if rule.capability and rule.capability not in (agent.capabilities or []):
        raise Forbidden(
            f"This needs an agent with the '{rule.capability}' capability",
            details={"required_capability": rule.capability, "capabilities": list(agent.capabilities or [])},
        )


def check_rule(principal, rule: Rule, *, role: str | None, token=None, what: str) -> None:
    """A rule against a principal whose role is already known: scope, role, trust, capability."""
    kind = principal_kind(principal)
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    check_scope(token if kind != "deploy" else principal, rule.scope)
    if not role_at_least(role, rule.role):
        raise Forbidden(f"This needs the '{rule.role}' role {what}", details={"required_role": rule.role})
    if kind == "agent":
        check_agent(principal, rule)
    elif rule.capability:  # only agents run jobs
        raise Forbidden("Only agents run pipeline jobs (an agent token is needed)")


def check(principal, repo, action: str, *, token=None) -> None:
    """Raise NotFound / NotAuthenticated / Forbidden unless `principal` may do `action` on `repo`."""
    rule = Action.RULES[action]
    if not can_read(principal, repo):
        raise NotFound()
    kind = principal_kind(principal)
    if action == Action.READ:  # the `read` scope of REST reads is TokenScopePermission's (kizuna.policy.drf)
        return
    if kind == "anonymous":
        raise exceptions.NotAuthenticated()
    if repo.archived and not rule.archived:
        raise Forbidden("This repository is archived and read-only", details={"archived": True})
    if kind == "deploy":
        own = principal.repository_id == repo.pk
        if not (rule.deploy and own and principal.token.kind == "deploy"):
            raise Forbidden("Deploy tokens may only clone, push and trigger pipelines on their repository")
        check_scope(principal, rule.scope)
        return
    check_rule(principal, rule, role=repo_role(principal, repo), token=token, what=f"on {repo.full_name}")


def allowed(principal, repo, action: str, *, token=None) -> bool:
    try:
        check(principal, repo, action, token=token)
    except exceptions.APIException:
        return False
    return True


def require(request, repo, action: str) -> None:
    """`check` for a DRF request (its principal and token)."""
    check(request.user, repo, action, token=request.auth)


# --- which action a change needs --------------------------------------------------------------------
def own_or(action: str, *, actor, author_id, own: str = Action.COMMENT) -> str:
    """Authors may edit their own issues and comments (`own`: COMMENT); anyone else needs `action`."""
    return own if actor is not None and author_id == actor.pk else action


def merge_action(repo, pr) -> str:
    """Merging into the default branch needs more than merging elsewhere. Ask it under the lock the
    merge runs under (pulls.services.pull_merge), so a retargeted PR is judged by its current base."""
    return Action.MERGE_DEFAULT if pr.base_ref == repo.default_branch else Action.MERGE


def push_action(repo, ref: str, principal) -> str:
    """Which push action a ref update needs: agent branches, others, the default branch."""
    if ref == f"refs/heads/{repo.default_branch}":
        return Action.PUSH_DEFAULT
    if principal_kind(principal) == "agent" and ref.startswith(f"refs/heads/agent/{principal.name}/"):
        return Action.PUSH_AGENT_BRANCH
    return Action.PUSH


REPO_SETTINGS_FIELDS = ("name", "description", "visibility", "default_branch", "archived")


def settings_actions(repo, data) -> tuple[str, ...]:
    """The actions a PATCH of repository settings needs, from the body as sent (so a caller who may
    not act learns 403 before any 422). An archived repository accepts only being unarchived;
    changing visibility needs ADMIN on top of SETTINGS."""
    data = data if isinstance(data, dict) else {}
    sent = {field: data[field] for field in REPO_SETTINGS_FIELDS if field in data}
    if repo.archived:
        return (Action.UNARCHIVE,) if sent == {"archived": False} else (Action.SETTINGS,)
    if "visibility" in sent and sent["visibility"] != repo.visibility:
        return (Action.SETTINGS, Action.ADMIN)
    return (Action.SETTINGS,)
