"""Representations of docs/api.md §8, and the request bodies they accept.

Serializers validate and shape; services decide. URLs come from the `repository` in the context
(the view's, already loaded) so a list never queries per row; without it they fall back to the row's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kizuna.accounts.models import actor_json
from kizuna.api.fields import (
    ActorField, ActorSerializer, StrictCharField, StrictIntegerField, TimestampField, TitleField, api_url, full_match,
    timestamp,
)
from kizuna.api.serializers import KizunaModelSerializer

from .models import Comment, Issue, Label, Milestone
from .reads import actor_columns, assignee_rows_of, label_rows_of

# A label name: no comma (the list's `labels=` filter is comma-separated), no control character, and no
# white space at either end (the filter trims its names).
LABEL_NAME = full_match(r"^[^\s,\x00-\x1f\x7f](?:[^,\x00-\x1f\x7f]*[^\s,\x00-\x1f\x7f])?$",
                        "no comma or control character, and no white space at either end")
COLOR = full_match(r"^[0-9a-fA-F]{6}$", "6 hex digits, no #")


class RepoUrlField(serializers.Field):
    """The object's `api_path()`, given the context's repository when present (saves its lookup)."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return api_url(self.context.get("request"), obj.api_path(self.context.get("repository")))


extend_schema_field(OpenApiTypes.URI)(RepoUrlField)


class LabelSerializer(KizunaModelSerializer):
    """`{id, name, color, description}` — also used by pull requests."""

    name = StrictCharField(max_length=50, validators=[LABEL_NAME])
    color = StrictCharField(validators=[COLOR], min_length=6, max_length=6)
    description = StrictCharField(max_length=100, required=False, allow_blank=True, allow_null=True)

    class Meta:
        model = Label
        fields = ["id", "name", "color", "description"]
        read_only_fields = ["id"]


class LabelNamesSerializer(serializers.Serializer):
    labels = serializers.ListField(child=StrictCharField(max_length=50), allow_empty=True)


class MilestoneBriefSerializer(KizunaModelSerializer):
    class Meta:
        model = Milestone
        fields = ["number", "title", "state", "due_on"]


class MilestoneSerializer(KizunaModelSerializer):
    title = TitleField()
    description = StrictCharField(required=False, allow_blank=True, allow_null=True)
    state = serializers.ChoiceField(choices=Milestone.State.choices, required=False)
    due_on = TimestampField(required=False, allow_null=True)
    open_issues = serializers.IntegerField(read_only=True)
    closed_issues = serializers.IntegerField(read_only=True)
    url = RepoUrlField()

    class Meta:
        model = Milestone
        fields = ["id", "number", "title", "description", "state", "due_on", "open_issues", "closed_issues",
                  "created_at", "updated_at", "closed_at", "url"]
        read_only_fields = ["id", "number", "created_at", "updated_at", "closed_at"]


class CommentSerializer(KizunaModelSerializer):
    """`{id, body, author, created_at, updated_at, url}` — also used by pull requests."""

    body = StrictCharField(allow_blank=False, trim_whitespace=False)
    author = ActorField()
    url = RepoUrlField()

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created_at", "updated_at", "url"]
        read_only_fields = ["id", "created_at", "updated_at"]


@dataclass(frozen=True)
class IssueField:
    """One key of the issue JSON (docs/api.md §8), declared once for the serializer (and so the schema),
    for the list's `values_list` read and for the hand renderer both endpoints use.

    `columns`: what `render` needs, as `values_list` paths (an Issue instance gives the same values by
    following the paths, `issue_row`). `render(page, *values)`: one value per column → the JSON value.
    `serializer_field`: makes the declared field; None for a model field of the same name."""

    name: str
    columns: tuple[str, ...]
    render: Callable = lambda page, value: value
    serializer_field: Callable[[], serializers.Field] | None = None


@dataclass(frozen=True)
class IssuePage:
    """What rows render with beyond their own columns: each issue's rendered labels and assignees (by id)
    and the issues' URL prefix (`issues_base_url`)."""

    labels: dict
    assignees: dict
    base_url: str


def _milestone_json(page, number, title, state, due_on):
    return None if number is None else {"number": number, "title": title, "state": state, "due_on": timestamp(due_on)}


ISSUE_FIELDS = (
    IssueField("id", ("pk",)),
    IssueField("number", ("number",)),
    IssueField("title", ("title",)),
    IssueField("body", ("body",)),
    IssueField("state", ("state",)),
    IssueField("state_reason", ("state_reason",)),
    IssueField("labels", ("pk",), lambda page, pk: page.labels[pk],
               lambda: LabelSerializer(many=True, read_only=True)),
    IssueField("assignees", ("pk",), lambda page, pk: page.assignees[pk], serializers.SerializerMethodField),
    IssueField("milestone", ("milestone__number", "milestone__title", "milestone__state", "milestone__due_on"),
               _milestone_json, lambda: MilestoneBriefSerializer(read_only=True, allow_null=True)),
    IssueField("author", actor_columns("author"), lambda page, *actor: actor_json(*actor), ActorField),
    IssueField("comments", ("comments_count",),
               serializer_field=lambda: serializers.IntegerField(source="comments_count", read_only=True)),
    IssueField("created_at", ("created_at",), lambda page, at: timestamp(at)),
    IssueField("updated_at", ("updated_at",), lambda page, at: timestamp(at)),
    IssueField("closed_at", ("closed_at",), lambda page, at: timestamp(at)),
    IssueField("closed_by", actor_columns("closed_by"),
               lambda page, *actor: actor_json(*actor) if actor[0] is not None else None,
               lambda: ActorField(allow_null=True)),
    IssueField("url", ("number",), lambda page, number: f"{page.base_url}{number}", RepoUrlField),
)

# What the issue list reads with `values_list` (flat tuples; no model instances): every field's columns,
# each once, in the fields' order — the issue, its author and closer and its milestone (joined).
ISSUE_ROW = tuple(dict.fromkeys(column for field in ISSUE_FIELDS for column in field.columns))
ROW_PK = ISSUE_ROW.index("pk")


def _field_renderer(field: IssueField):
    """(name, render(row, page)) for one field: its values picked from the row by position."""
    pick = itemgetter(*(ISSUE_ROW.index(column) for column in field.columns))
    if len(field.columns) == 1:
        return field.name, lambda row, page: field.render(page, pick(row))
    return field.name, lambda row, page: field.render(page, *pick(row))


_RENDERERS = tuple(_field_renderer(field) for field in ISSUE_FIELDS)


# The fields of ISSUE_FIELDS: those without a `serializer_field` come from the model, through
# KizunaModelSerializer's strict mapping. (A comment, not a docstring: the schema would show it.)
class IssueSerializer(KizunaModelSerializer):

    class Meta:
        model = Issue
        fields = [field.name for field in ISSUE_FIELDS if field.serializer_field is None]
        read_only_fields = fields

    def get_fields(self):
        model_fields = super().get_fields()
        return {field.name: field.serializer_field() if field.serializer_field else model_fields[field.name]
                for field in ISSUE_FIELDS}

    # Labels and assignees are prefetched (IssueViewSet.get_queryset): sorted here, not by a query per issue.
    @extend_schema_field(ActorSerializer(many=True))
    def get_assignees(self, issue) -> list:
        if hasattr(issue, "_assignee_json"):
            return issue._assignee_json
        return [a.as_json() for a in sorted(issue.assignees.all(), key=lambda a: (a.login.lower(), a.pk))]

    def _labels_json(self, issue) -> list:
        if hasattr(issue, "_label_json"):
            return issue._label_json
        return [
            {"id": label.pk, "name": label.name, "color": label.color, "description": label.description}
            for label in sorted(issue.labels.all(), key=lambda label: (label.name.lower(), label.pk))
        ]

    def to_representation(self, issue):
        """The declared fields, rendered by hand (the list endpoint's hot path) through `render_issue_row`.

        tests/issues compare it with the declared fields' own rendering, so the two cannot drift."""
        page = IssuePage({issue.pk: self._labels_json(issue)}, {issue.pk: self.get_assignees(issue)},
                         self._issue_base_url(issue))
        return render_issue_row(issue_row(issue), page)

    def declared_representation(self, issue):
        """DRF's rendering of the declared fields (what to_representation must equal)."""
        data = super().to_representation(issue)
        data["labels"] = sorted(data["labels"], key=lambda label: (label["name"].lower(), label["id"]))
        return data

    def _issue_base_url(self, issue) -> str:
        return issues_base_url(self.context.get("request"), self.context.get("repository") or issue.repository)


def issues_base_url(request, repo) -> str:
    """`…/repos/<full_name>/issues/`: an issue's `url` is this plus its number (Issue.api_path's form),
    built once per page rather than once per row."""
    return api_url(request, f"/repos/{repo.full_name}/issues/")


def _path_value(obj, path: str):
    """`values_list`'s value for `path` read from an instance: relations followed, None past a missing one."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def issue_row(issue: Issue) -> tuple:
    """An Issue instance as an ISSUE_ROW tuple (its relations loaded, or one query each)."""
    return tuple(_path_value(issue, column) for column in ISSUE_ROW)


def render_issue_row(row: tuple, page: IssuePage) -> dict:
    """An ISSUE_ROW tuple as the issue JSON of docs/api.md §8."""
    return {name: render(row, page) for name, render in _RENDERERS}


def relations_of(issue_ids) -> tuple[dict, dict]:
    """Rendered labels and assignees of a page of issues, by issue id, in two flat queries (cheaper than
    prefetch_related's model instances; issues/reads.py), each list sorted by name/login as the API
    shows them."""
    labels = {pk: [] for pk in issue_ids}
    assignees = {pk: [] for pk in issue_ids}
    if not labels:
        return labels, assignees
    ids = list(labels)
    for issue_id, pk, name, color, description in sorted(label_rows_of(ids), key=lambda r: (r[2].lower(), r[1])):
        labels[issue_id].append({"id": pk, "name": name, "color": color, "description": description})
    for issue_id, *actor in sorted(assignee_rows_of(ids), key=lambda r: (r[2].lower(), r[1])):
        assignees[issue_id].append(actor_json(*actor))
    return labels, assignees


def attach_relations(issues):
    """`relations_of` stored on Issue instances, where IssueSerializer reads them. Returns `issues`."""
    labels, assignees = relations_of([issue.pk for issue in issues])
    for issue in issues:
        issue._label_json, issue._assignee_json = labels[issue.pk], assignees[issue.pk]
    return issues


def render_issue_rows(rows, context) -> list[dict]:
    """A page of ISSUE_ROW tuples as issue JSON: the list endpoint (two more queries, whatever the page size)."""
    labels, assignees = relations_of([row[ROW_PK] for row in rows])
    page = IssuePage(labels, assignees, issues_base_url(context.get("request"), context["repository"]))
    return [render_issue_row(row, page) for row in rows]


class IssueWriteSerializer(serializers.Serializer):
    """POST and PATCH bodies (PATCH: every field optional)."""

    title = TitleField()
    body = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    labels = serializers.ListField(child=StrictCharField(max_length=50), required=False)
    assignees = serializers.ListField(child=StrictCharField(max_length=64), required=False)
    assignee = StrictCharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    milestone = StrictIntegerField(required=False, allow_null=True, min_value=1)
    # PATCH only
    state = serializers.ChoiceField(choices=Issue.State.choices, required=False)
    state_reason = serializers.ChoiceField(
        choices=Issue.StateReason.choices, required=False, allow_null=True,
        help_text="With `state: closed` (or on a closed issue): `completed` (default) or `not_planned`. With "
                  "`state: open` (or on an open issue): `reopened` or null. Anything else is a 422.")

    # The pairing of `state` and `state_reason` that the server enforces (issues.services.issues._apply_state),
    # for a body that names both; without `state` the issue's current state decides.
    request_schema = {"allOf": [
        {"if": {"required": ["state"], "properties": {"state": {"const": Issue.State.OPEN.value}}},
         "then": {"properties": {"state_reason": {"enum": [Issue.StateReason.REOPENED.value, None]}}}},
        {"if": {"required": ["state"], "properties": {"state": {"const": Issue.State.CLOSED.value}}},
         "then": {"properties": {"state_reason": {"enum": [Issue.StateReason.COMPLETED.value, Issue.StateReason.NOT_PLANNED.value,
                                                          None]}}}},
    ]}


class IssueCreateSerializer(IssueWriteSerializer):
    state = None
    state_reason = None
    request_schema = None


class CommentBodySerializer(serializers.Serializer):
    """A comment's body, for POST and for PATCH alike: PATCH replaces the body, which stays required."""

    body = StrictCharField(allow_blank=False, trim_whitespace=False)
    partial_on_patch = False  # kizuna.api.schema
