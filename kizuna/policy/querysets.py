"""`restrict(principal, queryset)`: every queryset a view pages through or looks an object up in is
narrowed here to what the caller may read (NetBox's `RestrictedQuerySet.restrict`). The base viewset
applies it, so a new endpoint is safe by default; a model without a rule here is an error, never a
leak."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from kizuna.accounts.models import Role

from .agents import agents_q
from .repositories import namespaces_with_role_q, visible_repos_q
from .subjects import acting_user, is_staff, is_superuser, principal_kind


def _through(prefix: str):
    """Rows of a readable repository, reached through `prefix` (e.g. 'repository__')."""

    def rule(principal, repository):
        if repository is not None:  # already checked by the view (RepoScopedMixin): narrow to it
            return Q(**{f"{prefix}pk": repository.pk}) if prefix else Q(pk=repository.pk)
        return visible_repos_q(principal, prefix)

    return rule


def _events(principal, repository):
    """Events of readable repositories; events outside any repository (agents, members, personal
    tokens) to staff, and to the people they are about or whose agents they are about."""
    of_repos = _through("repository__")(principal, repository)
    if repository is not None:
        return of_repos
    if is_staff(principal):
        return Q()
    user = acting_user(principal) if principal_kind(principal) == "user" else None
    if user is None:
        return of_repos
    mine = Q()
    for side in ("actor", "subject"):
        mine |= Q(**{f"{side}__user_id": user.pk}) | Q(**{f"{side}__agent__operator_id": user.pk})
    return of_repos | (Q(repository__isnull=True) & mine)


def _administered(prefix: str):
    """Webhooks (through `prefix`) of repositories and organisations where the caller holds `admin`:
    the role their views require (each view also asks `check` for the scope and trust)."""

    def rule(principal, repository):
        if repository is not None:  # the view required ADMIN on it
            return Q(**{f"{prefix}repository_id": repository.pk})
        user = acting_user(principal)
        if user is None or not user.is_active:
            return Q(pk__in=[])
        if is_superuser(user):
            return Q()
        return (namespaces_with_role_q(user, Role.ADMIN, f"{prefix}namespace_id")
                | namespaces_with_role_q(user, Role.ADMIN, f"{prefix}repository__namespace_id"))

    return rule


def _own_tokens(principal, repository):
    if repository is not None:  # deploy tokens of a repository (the view required ADMIN on it)
        return Q(repository_id=repository.pk, kind="deploy")
    user = acting_user(principal) if principal_kind(principal) == "user" else None
    return Q(user_id=user.pk, kind="personal") if user is not None else Q(pk__in=[])


def _memberships(principal, repository):
    from kizuna.accounts.models import Membership

    user = acting_user(principal)
    if user is None:
        return Q(pk__in=[])
    if is_superuser(user):
        return Q()
    return Q(namespace_id__in=Membership.objects.filter(user_id=user.pk).values("namespace_id")) | Q(
        namespace__user_id=user.pk)


RULES = {
    "repos.repository": _through(""),
    "issues.issue": _through("repository__"),
    "issues.label": _through("repository__"),
    "issues.milestone": _through("repository__"),
    "issues.comment": _through("issue__repository__"),
    "pulls.pullrequest": _through("repository__"),
    "pulls.review": _through("pull__repository__"),
    "pulls.branchprotection": _through("repository__"),  # the views require SEE_PROTECTION first
    "pipelines.pipeline": _through("repository__"),
    "pipelines.job": _through("repository__"),
    "events.event": _events,
    "events.webhook": _administered(""),
    "events.webhookdelivery": _administered("webhook__"),
    "accounts.token": _own_tokens,
    "accounts.membership": _memberships,
    "agents.agent": lambda principal, repository: agents_q(principal),
}


def restrict(principal, queryset, *, repository=None):
    """`queryset` narrowed to what `principal` may read. `repository`: one the caller already passed
    `check(…, READ)` on, whose rows the queryset holds."""
    rule = RULES.get(queryset.model._meta.label_lower)
    if rule is None:
        raise ImproperlyConfigured(f"kizuna.policy has no read rule for {queryset.model._meta.label}")
    return queryset.filter(rule(principal, repository))
