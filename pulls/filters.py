import django_filters
from drf_spectacular.utils import extend_schema_field

from issues.filters import IssueFieldsFilterSet

from .models import PullRequest


@extend_schema_field({"type": "string", "enum": ["true", "false"]})
class DraftFilter(django_filters.ChoiceFilter):
    """`draft=true|false` (spectacular would call it a boolean with string values)."""


class PullRequestFilter(IssueFieldsFilterSet):
    """docs/api.md §9. `labels` and `author` are resolved as in the issue list (unknown → 422 naming the
    parameter); `head` and `base` are plain branch names, matched as given (an unknown one lists `[]`)."""

    ISSUE = "issue__"
    SORTS = {"created": "issue__created_at", "updated": "issue__updated_at"}
    DEFAULT_SORT = "created"

    state = django_filters.ChoiceFilter(choices=[("open", "open"), ("closed", "closed"), ("all", "all")], method="_noop")
    head = django_filters.CharFilter(method="filter_head", help_text="Head branch (`branch` or `owner:branch`)")
    base = django_filters.CharFilter(field_name="base_ref")
    author = django_filters.CharFilter(method="filter_author", help_text="The author's login (user or agent)")
    draft = DraftFilter(choices=[("true", "true"), ("false", "false")], method="filter_draft")
    labels = django_filters.CharFilter(method="filter_labels", help_text="Comma-separated label names; PRs carrying all of them")

    class Meta:
        model = PullRequest
        fields = []

    def filter_head(self, queryset, name, value):
        return queryset.filter(head_ref=value.split(":", 1)[-1])

    def filter_draft(self, queryset, name, value):
        return queryset.filter(draft=value == "true")

    def filter_queryset(self, queryset):
        state = self.form.cleaned_data.get("state") or "open"
        if state != "all":
            queryset = queryset.filter(issue__state=state)
        return super().filter_queryset(queryset)
