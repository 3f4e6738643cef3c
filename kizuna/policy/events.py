"""The event log and the live streams: which events a caller reads.

Events of a repository are read by whoever reads the repository, except the events about its
deploy tokens (`token.*`: names and scopes), which only whoever may list those tokens reads (ADMIN).
A stream's `EventViewer` is this rule computed once per connection, and computed again whenever an
event that changes access passes (`ACCESS_EVENT_TYPES`): a visibility change, a membership change,
an agent suspended, a token revoked.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from rest_framework import exceptions

from kizuna.accounts.models import Membership, Namespace, Role

from .repositories import allowed, check, check_rule, repo_role, role_at_least, visible_repos_q
from .rules import ACCESS_EVENT_TYPES, ADMIN_EVENT_PREFIXES, Action
from .subjects import acting_user, is_superuser, principal_kind, require_signed_in


def is_admin_event(event_type: str) -> bool:
    return event_type.startswith(ADMIN_EVENT_PREFIXES)


def changes_access(event_type: str) -> bool:
    return event_type in ACCESS_EVENT_TYPES


def admin_events_q() -> Q:
    return Q(*[Q(type__startswith=prefix) for prefix in ADMIN_EVENT_PREFIXES], _connector=Q.OR)


def repo_events_q(principal, repo, *, token=None) -> Q:
    """A Q over Event narrowing a readable repository's log to what the caller may read."""
    return Q() if allowed(principal, repo, Action.ADMIN, token=token) else ~admin_events_q()


def _may_admin_somewhere(principal, token) -> bool:
    """The parts of the ADMIN rule that do not depend on the repository (scope, trust): the rule
    itself, asked for someone holding the admin role. Deploy tokens never administer."""
    if principal_kind(principal) not in ("user", "agent"):
        return False
    try:
        check_rule(principal, Action.RULES[Action.ADMIN], role=Role.ADMIN, token=token, what="")
    except exceptions.APIException:
        return False
    return True


@dataclass
class EventViewer:
    """What one stream's caller may read, as sets, so each event is judged without a query."""

    principal: object
    token: object
    repo_id: int | None = None  # a repository's stream
    public_only: bool = False  # a repository stream read only because the repository is public
    repo_admin: bool = False
    everything: bool = False  # superusers
    admin_everywhere: bool = False  # superusers whose credential carries the ADMIN rule's scope and trust
    namespace_ids: set = field(default_factory=set)  # namespaces where the caller has a role
    admin_namespace_ids: set = field(default_factory=set)
    repo_ids: set = field(default_factory=set)  # deploy tokens' repository

    def sees(self, meta: tuple, event_type: str) -> bool:
        repo_id, namespace_id, visibility = meta
        if repo_id is None:
            return False
        if self.repo_id is not None:
            if repo_id != self.repo_id or (self.public_only and visibility != "public"):
                return False
            return self.repo_admin or not is_admin_event(event_type)
        if is_admin_event(event_type):
            return self.admin_everywhere or namespace_id in self.admin_namespace_ids
        return (self.everything or visibility == "public" or namespace_id in self.namespace_ids
                or repo_id in self.repo_ids)

    def queryset(self):
        from kizuna.events.models import Event

        qs = Event.objects.filter(repository__isnull=False)
        if self.repo_id is not None:
            qs = qs.filter(repository_id=self.repo_id)
            if self.public_only:
                qs = qs.filter(repository__visibility="public")
            return qs if self.repo_admin else qs.exclude(admin_events_q())
        qs = qs.filter(visible_repos_q(self.principal, "repository__"))
        if self.admin_everywhere:
            return qs
        return qs.filter(~admin_events_q() | Q(repository__namespace_id__in=self.admin_namespace_ids))


def stream_viewer(principal, token, *, repo=None) -> EventViewer:
    """Raise the envelope's errors (401/403/404) unless the caller may open this stream; else what it reads."""
    if repo is not None:
        check(principal, repo, Action.READ, token=token)
        return EventViewer(
            principal, token, repo_id=repo.pk, public_only=repo_role(principal, repo) is None,
            repo_admin=allowed(principal, repo, Action.ADMIN, token=token),
        )
    kind = require_signed_in(principal)
    if kind == "deploy":
        return EventViewer(principal, token, repo_ids={principal.repository_id})
    user = acting_user(principal)
    admin_ok = _may_admin_somewhere(principal, token)
    if is_superuser(user):
        return EventViewer(principal, token, everything=True, admin_everywhere=admin_ok)
    roles = dict(Membership.objects.filter(user_id=user.pk).values_list("namespace_id", "role"))
    roles.update({pk: Role.ADMIN for pk in Namespace.objects.filter(user_id=user.pk).values_list("pk", flat=True)})
    admin_ids = {pk for pk, role in roles.items() if role_at_least(role, Role.ADMIN)} if admin_ok else set()
    return EventViewer(principal, token, namespace_ids=set(roles), admin_namespace_ids=admin_ids)
