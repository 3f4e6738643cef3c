"""Issue and milestone list filters (docs/api.md §8; the pull request list reuses the issue fields' ones, §9).
An unknown value → 422 naming the parameter.

Names in filters (labels, assignee, creator, milestone) are resolved against the repository once,
up front (`resolved`): an unknown one is a 422 (a typo never silently yields an empty list), and the
main query then filters on ids through EXISTS sub-queries that the indexes answer. The ids enter the
query as `reads.param`s, so the issue list can compile its statements once per shape (`statement_shape`,
issues/reads.py).
"""

import datetime
from functools import cached_property

import django_filters
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field

from kizuna.accounts.models import Actor
from kizuna.api.fields import is_digits
from kizuna.api.filters import SortedFilterSet

from . import reads
from .models import Issue, IssueLabel, Milestone

LabelLink = IssueLabel
AssigneeLink = Issue.assignees.through
# Each label is one EXISTS in the list's SQL and one shape of its compiled statements: bounded.
MAX_FILTER_LABELS = 30


class RepoFilterBackend(DjangoFilterBackend):
    """Hands the view's repository to the FilterSet (names are resolved within it)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["repository"] = view.repository
        return kwargs

    def valid_filterset(self, request, queryset, view):
        """The view's FilterSet, validated (422 naming each bad parameter), for views that run the
        filtered query themselves."""
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset


class RepoFilterSet(SortedFilterSet):
    def __init__(self, data=None, queryset=None, *, repository=None, **kwargs):
        self.repository = repository
        super().__init__(data, queryset, **kwargs)


class IssueFieldsFilterSet(RepoFilterSet):
    """Filters on an issue's own fields, shared by the issue list and the pull request list.

    `ISSUE` is the path from the listed rows to their issue: "" for issues, "issue__" for pull requests.
    `RESOLVERS` name, per parameter, the method that looks its value up in the repository.
    """

    ISSUE = ""
    RESOLVERS = {"labels": "resolve_labels", "creator": "resolve_actor", "author": "resolve_actor"}

    def is_valid(self):
        valid = super().is_valid()
        raw = self.data.get("labels")
        if raw is not None and not [n for n in raw.split(",") if n.strip()]:
            self.form.add_error("labels", "must name at least one label")
            return False
        return valid

    @cached_property
    def resolved(self) -> dict:
        """The sent parameters after is_valid(), names looked up: ids (a tuple of them for labels), or
        the value itself (a choice, `none`, `*`, a time)."""
        out = {}
        for name, value in self.form.cleaned_data.items():
            if value in EMPTY_VALUES:
                continue
            resolver = self.RESOLVERS.get(name)
            out[name] = getattr(self, resolver)(name, value) if resolver else value
        return out

    def statement_shape(self) -> tuple[tuple, dict]:
        """(shape, values) for the list's compiled statements (issues/reads.py): the shape names everything the list's SQL depends
        on (which parameters, how many labels, the literal choices); `values` holds the `Param`s'."""
        shape, values = [], {}
        for name, value in sorted(self.resolved.items()):
            if isinstance(value, tuple):
                shape.append((name, len(value)))
                values.update({f"{name}.{i}": item for i, item in enumerate(value)})
            elif isinstance(value, (int, datetime.datetime)) and not isinstance(value, bool):
                shape.append((name, type(value).__name__))
                values[name] = value
            else:
                shape.append((name, value))
        return tuple(shape), values

    def param(self, name: str, index: int | None = None):
        """The resolved value of `name` (its `index`-th item for labels) as a statement parameter."""
        if index is None:
            return reads.param(name, self.resolved[name])
        return reads.param(f"{name}.{index}", self.resolved[name][index])

    # -- resolvers ------------------------------------------------------------------------------
    def resolve_labels(self, name, value) -> tuple[int, ...]:
        names = [n.strip() for n in value.split(",") if n.strip()]
        wanted = sorted({n.lower() for n in names})
        if len(wanted) > MAX_FILTER_LABELS:
            raise_filter_error(name, f"names at most {MAX_FILTER_LABELS} labels")
        found = reads.label_ids_by_name(self.repository, wanted)
        missing = [n for n in names if n.lower() not in found]
        if missing:
            raise_filter_error(name, f"unknown label: {', '.join(missing)}")
        return tuple(sorted(set(found.values())))

    def resolve_actor(self, name, value) -> int:
        actor_id = _actor_id(value)
        if actor_id is None:
            raise_filter_error(name, f"unknown user or agent: {value}")
        return actor_id

    # -- filters --------------------------------------------------------------------------------
    @extend_schema_field({"type": "string", "pattern": r"[^\s,]",
                          "description": "Comma-separated label names (at least one), at most 30"})
    def filter_labels(self, queryset, name, value):
        issue_id = OuterRef(f"{self.ISSUE}pk")
        indexes = range(len(self.resolved[name]))
        state = self.label_links_state()
        if state is not None:
            # The first label's links drive the page: joined (one link per issue and label, so no
            # duplicate row), filtered and, with sort_path, ordered by their index.
            queryset = queryset.filter(issuelabel__label_id=self.param(name, 0), issuelabel__is_pull_request=False,
                                       issuelabel__issue_state=state)
            indexes = indexes[1:]
        for index in indexes:
            carries = LabelLink.objects.filter(issue_id=issue_id, label_id=self.param(name, index))
            queryset = queryset.filter(Exists(carries))
        return queryset

    def label_links_state(self) -> str | None:
        """The state whose label links can drive the list's page (IssueFilter); None: EXISTS probes."""
        return None

    def filter_author(self, queryset, name, value):
        return queryset.filter(**{f"{self.ISSUE}author_id": self.param(name)})


class IssueFilter(IssueFieldsFilterSet):
    SORTS = {"created": "created_at", "updated": "updated_at", "comments": "comments_count"}
    DEFAULT_SORT = "created"
    RESOLVERS = {**IssueFieldsFilterSet.RESOLVERS, "assignee": "resolve_assignee", "milestone": "resolve_milestone"}

    state = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("closed", "closed"), ("all", "all")], method="filter_state",
        help_text="open (default), closed or all",
    )
    labels = django_filters.CharFilter(method="filter_labels", help_text="Comma-separated label names; issues carrying all of them")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A login, `none` or `*`")
    creator = django_filters.CharFilter(method="filter_author", help_text="The author's login (user or agent)")
    milestone = django_filters.CharFilter(method="filter_milestone", help_text="A milestone number, `none` or `*`")
    since = django_filters.IsoDateTimeFilter(method="filter_since",
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

    def only_labels_and_state(self) -> bool:
        """Whether labels filter and nothing but the state joins them (sort and direction only order)."""
        resolved = self.resolved
        return "labels" in resolved and not set(resolved) - {"labels", "state", "sort", "direction"}

    def counted_state(self) -> str | None:
        """The state (open, closed or all) when nothing but the state filters (sort and direction only
        order): the repository's counters then hold the total (issues.reads.issue_list_total). None otherwise."""
        if set(self.resolved) - {"state", "sort", "direction"}:
            return None
        return self.resolved.get("state", Issue.State.OPEN)

    def label_links_state(self) -> str | None:
        """Labels and one state (open or closed) alone, sorted by creation: the page is read off the first
        label's links in the order of their (label, is_pull_request, issue_state, issue_created_at, issue)
        index and stops after a page, at any size. The planner cannot find that order through an EXISTS:
        it estimates the share of issues carrying a label from the whole table, not the repository, and at
        10k-100k issues sorted or scanned every open issue (docs/benchmarks.md "Issues")."""
        state = self.resolved.get("state", Issue.State.OPEN)
        sort = self.resolved.get("sort", self.DEFAULT_SORT)
        return state if self.only_labels_and_state() and state != "all" and sort == "created" else None

    def sort_path(self, sort: str) -> str:
        # The link's copy of created_at, equal to the issue's: the order of the index that drives the page.
        return "issuelabel__issue_created_at" if self.label_links_state() else super().sort_path(sort)

    def label_links_matching(self):
        """The matching issues' ids read off the label links alone (`SELECT issue_id`), for the count,
        when only labels and the state filter (sort and direction order, they do not filter); None
        otherwise. As the page (reads.issues_of), it relies on a label's links joining only its repository's
        issues. The first label's links are one range of IssueLabel's (label, is_pull_request,
        issue_state, issue_created_at, issue) index (read alone: index-only); any further label is an EXISTS probe per link, as in the page.
        Every other filter is on the issue row: its count stays the issue table's (docs/benchmarks.md)."""
        resolved = self.resolved
        if not self.only_labels_and_state():
            return None
        links = LabelLink.objects.filter(label_id=self.param("labels", 0), is_pull_request=False)
        state = resolved.get("state", Issue.State.OPEN)
        if state != "all":
            links = links.filter(issue_state=state)
        for index in range(1, len(resolved["labels"])):
            links = links.filter(Exists(LabelLink.objects.filter(issue_id=OuterRef("issue_id"),
                                                                 label_id=self.param("labels", index))))
        return links.values("issue_id")

    # -- resolvers ------------------------------------------------------------------------------
    def resolve_assignee(self, name, value):
        return value if value in ("none", "*") else self.resolve_actor(name, value)

    def resolve_milestone(self, name, value):
        if value in ("none", "*"):
            return value
        if not is_digits(value):
            raise_filter_error(name, "must be a milestone number, `none` or `*`")
        milestone_id = _first(Milestone.objects.filter(repository_id=self.repository.pk, number=int(value)).values_list("pk", flat=True))
        if milestone_id is None:
            raise_filter_error(name, f"unknown milestone: {value}")
        return milestone_id

    # -- filters --------------------------------------------------------------------------------
    def filter_state(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(state=value)

    def filter_assignee(self, queryset, name, value):
        assigned = AssigneeLink.objects.filter(issue_id=OuterRef("pk"))
        if self.resolved[name] == "none":
            return queryset.filter(~Exists(assigned))
        if self.resolved[name] == "*":
            return queryset.filter(Exists(assigned))
        return queryset.filter(Exists(assigned.filter(actor_id=self.param(name))))

    def filter_milestone(self, queryset, name, value):
        if self.resolved[name] == "none":
            return queryset.filter(milestone__isnull=True)
        if self.resolved[name] == "*":
            return queryset.filter(milestone__isnull=False)
        return queryset.filter(milestone_id=self.param(name))

    def filter_since(self, queryset, name, value):
        return queryset.filter(updated_at__gte=self.param(name))


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
