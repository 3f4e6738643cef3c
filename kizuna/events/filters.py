import django_filters
from django.db.models.functions import Lower
from drf_spectacular.utils import extend_schema_field

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.api.fields import is_digits
from kizuna.api.filters import KizunaFilterSet

from .models import Event

# Every event type of docs/api.md §13: `type=issue` means the whole family (issue.opened, issue.closed…).
EVENT_TYPES = (
    "push", "repository.created", "repository.updated", "repository.renamed", "repository.deleted",
    "member.added", "member.changed", "member.removed", "token.created", "token.revoked",
    "issue.opened", "issue.edited", "issue.closed", "issue.reopened", "issue.labeled", "issue.unlabeled",
    "issue.assigned", "issue.unassigned", "issue.milestoned", "comment.created", "comment.edited",
    "comment.deleted", "pull_request.opened", "pull_request.edited", "pull_request.closed",
    "pull_request.reopened", "pull_request.ready_for_review", "pull_request.synchronize",
    "pull_request.merged", "pull_request.review_requested", "pull_request.review_request_removed",
    "pull_request_review.submitted", "pull_request_review.dismissed", "branch_protection.changed", "pipeline.created", "pipeline.status_changed", "job.status_changed",
    "agent.registered", "agent.updated", "agent.trust_changed", "agent.suspended", "agent.token_rotated",
    "webhook.deactivated",
)


# What parse_event_id accepts: at most 18 ASCII digits.
EVENT_ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}


def parse_event_id(raw: str, name: str) -> int:
    if not is_digits(raw) or len(raw) > 18:
        raise ValidationFailed({name: ["must be a non-negative integer event id"]})
    return int(raw)


class EventFilter(KizunaFilterSet):
    type = django_filters.CharFilter(method="filter_type", help_text="An event type (`issue.opened`) or family (`issue`)")
    actor = django_filters.CharFilter(method="filter_actor", help_text="The actor's login")
    after_id = django_filters.CharFilter(method="filter_after_id", help_text="Only events with a larger id")

    class Meta:
        model = Event
        fields = []

    def filter_type(self, queryset, name, value):
        family = [t for t in EVENT_TYPES if t.startswith(value + ".")] if "." not in value else []
        return queryset.filter(type__in=[value, *family])

    def filter_actor(self, queryset, name, value):
        ids = list(Actor.objects.annotate(l=Lower("login")).filter(l=value.lower()).values_list("pk", flat=True))
        return queryset.filter(actor_id__in=ids)

    @extend_schema_field({**EVENT_ID_SCHEMA, "description": "Only events with a larger id"})
    def filter_after_id(self, queryset, name, value):
        return queryset.filter(pk__gt=parse_event_id(value, "after_id"))
