"""Base viewsets: repo-scoped resolution, 404-for-invisible, immutable-field checks."""

from django.utils.functional import cached_property
from rest_framework import viewsets

from django.db.models import QuerySet

from kizuna import policy
from kizuna.accounts.actors import actor_for

from .errors import NotFound, ValidationFailed


class MethodCheckMixin:
    """A method the path does not serve is 405 `METHOD_NOT_ALLOWED` with `Allow`, whoever asks (docs/api.md §2).

    DRF dispatches the method only after authentication, permissions and whatever `initial()` checks,
    so an anonymous caller (or a person's token on the agent job protocol) learnt 401 or 403 instead.
    The check runs right after authentication: a bad token is still 401 first. OPTIONS answers 405 too
    (there is no metadata), so `Allow` does not list it.
    """

    @property
    def allowed_methods(self):
        methods = super().allowed_methods
        if self.metadata_class is None:
            methods = [method for method in methods if method != "OPTIONS"]
        return methods

    def check_permissions(self, request):
        if request.method.upper() not in self.allowed_methods:
            self.http_method_not_allowed(request)
        super().check_permissions(request)


class KizunaViewSet(MethodCheckMixin, viewsets.GenericViewSet):
    """Every Kizuna viewset: services get the caller's Actor from `self.actor`; every queryset it pages
    through or looks an object up in is narrowed by the policy (`kizuna.policy.restrict`), so a new
    endpoint cannot list what its caller may not read."""

    @cached_property
    def actor(self):
        return actor_for(self.request.user)

    def restrict(self, queryset):
        """The queryset narrowed once: a list passes through filter_queryset and then
        paginate_queryset, and narrowing it at both would put the policy's subqueries in its SQL twice."""
        restricted = self.__dict__.setdefault("_restricted", [])
        if not isinstance(queryset, QuerySet) or any(queryset is done for done in restricted):
            return queryset
        queryset = policy.restrict(self.request.user, queryset, repository=self.__dict__.get("repository"))
        restricted.append(queryset)
        return queryset

    def filter_queryset(self, queryset):
        return self.restrict(super().filter_queryset(queryset))

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(self.restrict(queryset))


def get_repository(org: str, name: str):
    from repos.models import Repository

    repo = Repository.objects.by_path(org, name)
    if repo is None:
        raise NotFound()
    return repo


class RepoScopedMixin:
    """Resolves `:org/:repo` once per request and hides repositories the caller may not read."""

    @cached_property
    def repository(self):
        repo = get_repository(self.kwargs["org"], self.kwargs["repo"])
        policy.check(self.request.user, repo, policy.Action.READ, token=self.request.auth)
        return repo

    def require(self, action: str, repo=None) -> None:
        policy.check(self.request.user, repo or self.repository, action, token=self.request.auth)


def body_sends(request, fields: tuple[str, ...]) -> bool:
    """Whether the request body names any of `fields`: views decide the permission a write needs from
    this, before validating the body, so a caller who may not act gets 403, never a 422 (docs/api.md §2, §3)."""
    data = request.data
    return isinstance(data, dict) and any(field in data for field in fields)


def reject_immutable(data, fields: tuple[str, ...]) -> None:
    """422 naming each immutable field sent in a body (docs/api.md §2)."""
    sent = [f for f in fields if f in data]
    if sent:
        raise ValidationFailed({f: ["is immutable"] for f in sent})
