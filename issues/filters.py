"""Issue and milestone list filters (API.md §8; the pull request list reuses the issue fields' ones, §9).
An unknown value → 422 naming the parameter.

Names in filters (labels, assignee, creator, milestone) are resolved against the repository once,
up front: an unknown one is a 422 (a typo never silently yields an empty list), and the main query
then filters on ids through EXISTS sub-queries that the indexes answer.
"""

import django_filters
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, In
from django_filters.rest_framework import DjangoFilterBackend

from kizuna.accounts.models import Actor
from kizuna.api.filters import SortedFilterSet

from .models import Issue, Label, Milestone

LabelLink = Issue.labels.through
AssigneeLink = Issue.assignees.through


class RepoFilterBackend(DjangoFilterBackend):
    """Hands the view's repository to the FilterSet (names are resolved within it)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["repository"] = view.repository
        return kwargs


class RepoFilterSet(SortedFilterSet):
    def __init__(self, data=None, queryset=None, *, repository=None, **kwargs):
        self.repository = repository
        super().__init__(data, queryset, **kwargs)


class IssueFieldsFilterSet(RepoFilterSet):
    """Filters on an issue's own fields, shared by the issue list and the pull request list.

    `ISSUE` is the path from the listed rows to their issue: "" for issues, "issue__" for pull requests.
    """

    ISSUE = ""

    def is_valid(self):
        valid = super().is_valid()
        raw = self.data.get("labels")
        if raw is not None and not [n for n in raw.split(",") if n.strip()]:
            self.form.add_error("labels", "must name at least one label")
            return False
        return valid

    def filter_labels(self, queryset, name, value):
        names = [n.strip() for n in value.split(",") if n.strip()]
        wanted = {n.lower() for n in names}
        found = dict(
            Label.objects.filter(In(Lower("name"), sorted(wanted)), repository_id=self.repository.pk)
            .values_list(Lower("name"), "pk")
        )
        missing = [n for n in names if n.lower() not in found]
        if missing:
            raise_filter_error(name, f"unknown label: {', '.join(missing)}")
        issue_id = OuterRef(f"{self.ISSUE}pk")
        for label_id in set(found.values()):
            queryset = queryset.filter(Exists(LabelLink.objects.filter(issue_id=issue_id, label_id=label_id)))
        return queryset

    def filter_author(self, queryset, name, value):
        actor_id = _actor_id(value)
        if actor_id is None:
            raise_filter_error(name, f"unknown user or agent: {value}")
        return queryset.filter(**{f"{self.ISSUE}author_id": actor_id})


class IssueFilter(IssueFieldsFilterSet):
    SORTS = {"created": "created_at", "updated": "updated_at", "comments": "comments_count"}
    DEFAULT_SORT = "created"

    state = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("closed", "closed"), ("all", "all")], method="filter_state",
        help_text="open (default), closed or all",
    )
    labels = django_filters.CharFilter(method="filter_labels", help_text="Comma-separated label names; issues carrying all of them")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A login, `none` or `*`")
    creator = django_filters.CharFilter(method="filter_author", help_text="The author's login (user or agent)")
    milestone = django_filters.CharFilter(method="filter_milestone", help_text="A milestone number, `none` or `*`")
    since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                             help_text="ISO 8601: only issues updated at or after this time")

    class Meta:
        model = Issue
        fields = []

    # -- validation that needs the raw query ----------------------------------------------------
    def is_valid(self):
        valid = super().is_valid()
        if self.data.get("since") == "":
            self.form.add_error("since", "must be an ISO 8601 time")
            return False
        return valid

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(state=Issue.State.OPEN)  # the default
        return super().filter_queryset(queryset)  # sorts on NOT NULL columns: index-friendly ordering

    # -- filters --------------------------------------------------------------------------------
    def filter_state(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(state=value)

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(~Exists(AssigneeLink.objects.filter(issue_id=OuterRef("pk"))))
        if value == "*":
            return queryset.filter(Exists(AssigneeLink.objects.filter(issue_id=OuterRef("pk"))))
        actor_id = _actor_id(value)
        if actor_id is None:
            raise_filter_error(name, f"unknown user or agent: {value}")
        return queryset.filter(Exists(AssigneeLink.objects.filter(issue_id=OuterRef("pk"), actor_id=actor_id)))

    def filter_milestone(self, queryset, name, value):
        if value == "none":
            return queryset.filter(milestone__isnull=True)
        if value == "*":
            return queryset.filter(milestone__isnull=False)
        if not value.isdigit():
            raise_filter_error(name, "must be a milestone number, `none` or `*`")
        milestone_id = _first(Milestone.objects.filter(repository_id=self.repository.pk, number=int(value)).values_list("pk", flat=True))
        if milestone_id is None:
            raise_filter_error(name, f"unknown milestone: {value}")
        return queryset.filter(milestone_id=milestone_id)


def _actor_id(login: str):
    return _first(
        Actor.objects.exclude(type=Actor.Type.DEPLOY).filter(Exact(Lower("login"), login.strip().lower()))
        .values_list("pk", flat=True)
    )


def _first(queryset):
    """The first row of a query that matches at most one (unique columns): no ORDER BY, unlike .first()."""
    return next(iter(queryset[:1]), None)


def raise_filter_error(name: str, message: str):
    from kizuna.api.errors import ValidationFailed

    raise ValidationFailed({name: [message]})


class MilestoneFilter(RepoFilterSet):
    SORTS = {"due_on": "due_on", "created": "created_at", "updated": "updated_at", "number": "number"}
    DEFAULT_SORT = "due_on"
    DEFAULT_DIRECTIONS = {"due_on": "asc", "number": "asc"}

    state = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("closed", "closed"), ("all", "all")], method="filter_state",
        help_text="open (default), closed or all",
    )

    class Meta:
        model = Milestone
        fields = []

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(state=Milestone.State.OPEN)
        return super().filter_queryset(queryset)

    def filter_state(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(state=value)
