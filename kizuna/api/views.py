"""Base viewsets: repo-scoped resolution, 404-for-invisible, immutable-field checks."""

from django.utils.functional import cached_property
from rest_framework import viewsets

from kizuna.accounts.services import actor_for

from . import permissions
from .errors import NotFound, ValidationFailed


class KizunaViewSet(viewsets.GenericViewSet):
    """Every Kizuna viewset: services get the caller's Actor from `self.actor`."""

    @cached_property
    def actor(self):
        return actor_for(self.request.user)


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
        permissions.check(self.request.user, repo, permissions.Action.READ, token=self.request.auth)
        return repo

    def require(self, action: str, repo=None) -> None:
        permissions.check(self.request.user, repo or self.repository, action, token=self.request.auth)


def body_sends(request, fields: tuple[str, ...]) -> bool:
    """Whether the request body names any of `fields`: views decide the permission a write needs from
    this, before validating the body, so a caller who may not act gets 403, never a 422 (API.md §2, §3)."""
    data = request.data
    return isinstance(data, dict) and any(field in data for field in fields)


def reject_immutable(data, fields: tuple[str, ...]) -> None:
    """422 naming each immutable field sent in a body (API.md §2)."""
    sent = [f for f in fields if f in data]
    if sent:
        raise ValidationFailed({f: ["is immutable"] for f in sent})
