"""Representations of API.md §8, and the request bodies they accept.

Serializers validate and shape; services decide. URLs come from the `repository` in the context
(the view's, already loaded) so a list never queries per row; without it they fall back to the row's.
"""

from datetime import timezone as dt_timezone

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from kizuna.api.fields import ActorField, ActorSerializer, api_url

from .models import Comment, Issue, Label, Milestone, color_validator


class RepoUrlField(serializers.Field):
    """`/repos/<full_name>` + `suffix(obj)`, the repository taken from the context when present."""

    def __init__(self, suffix, repo_of, **kwargs):
        self.suffix, self.repo_of = suffix, repo_of
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        repo = self.context.get("repository") or self.repo_of(obj)
        return api_url(self.context.get("request"), f"/repos/{repo.full_name}{self.suffix(obj)}")


extend_schema_field(OpenApiTypes.URI)(RepoUrlField)


class LabelSerializer(serializers.ModelSerializer):
    """`{id, name, color, description}` — also used by pull requests."""

    name = serializers.CharField(max_length=50)
    color = serializers.CharField(validators=[color_validator], min_length=6, max_length=6)
    description = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)

    class Meta:
        model = Label
        fields = ["id", "name", "color", "description"]
        read_only_fields = ["id"]


class LabelNamesSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.CharField(max_length=50), allow_empty=True)


class MilestoneBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["number", "title", "state", "due_on"]


class MilestoneSerializer(serializers.ModelSerializer):
    title = serializers.CharField(max_length=256)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    state = serializers.ChoiceField(choices=Milestone.State.choices, required=False)
    due_on = serializers.DateTimeField(required=False, allow_null=True)
    open_issues = serializers.IntegerField(read_only=True)
    closed_issues = serializers.IntegerField(read_only=True)
    url = RepoUrlField(lambda m: f"/milestones/{m.number}", lambda m: m.repository)

    class Meta:
        model = Milestone
        fields = ["id", "number", "title", "description", "state", "due_on", "open_issues", "closed_issues",
                  "created_at", "updated_at", "closed_at", "url"]
        read_only_fields = ["id", "number", "created_at", "updated_at", "closed_at"]


class CommentSerializer(serializers.ModelSerializer):
    """`{id, body, author, created_at, updated_at, url}` — also used by pull requests."""

    body = serializers.CharField(allow_blank=False, trim_whitespace=False)
    author = ActorField()
    url = RepoUrlField(lambda c: f"/issues/comments/{c.pk}", lambda c: c.issue.repository)

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created_at", "updated_at", "url"]
        read_only_fields = ["id", "created_at", "updated_at"]


class IssueSerializer(serializers.ModelSerializer):
    labels = LabelSerializer(many=True, read_only=True)
    assignees = serializers.SerializerMethodField()
    milestone = MilestoneBriefSerializer(read_only=True, allow_null=True)
    author = ActorField()
    closed_by = ActorField(allow_null=True)
    comments = serializers.IntegerField(source="comments_count", read_only=True)
    url = RepoUrlField(lambda i: f"/issues/{i.number}", lambda i: i.repository)

    class Meta:
        model = Issue
        fields = ["id", "number", "title", "body", "state", "state_reason", "labels", "assignees", "milestone",
                  "author", "comments", "created_at", "updated_at", "closed_at", "closed_by", "url"]
        read_only_fields = fields

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
        """The declared fields, rendered by hand: the list endpoint's hot path (a third of DRF's cost).

        tests/issues compare it with the declared fields' own rendering, so the two cannot drift."""
        base = self._issue_base_url(issue)
        milestone = issue.milestone
        return {
            "id": issue.pk,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "labels": self._labels_json(issue),
            "assignees": self.get_assignees(issue),
            "milestone": None if milestone is None else {
                "number": milestone.number, "title": milestone.title, "state": milestone.state,
                "due_on": _timestamp(milestone.due_on),
            },
            "author": issue.author.as_json(),
            "comments": issue.comments_count,
            "created_at": _timestamp(issue.created_at),
            "updated_at": _timestamp(issue.updated_at),
            "closed_at": _timestamp(issue.closed_at),
            "closed_by": issue.closed_by.as_json() if issue.closed_by_id else None,
            "url": f"{base}{issue.number}",
        }

    def declared_representation(self, issue):
        """DRF's rendering of the declared fields (what to_representation must equal)."""
        data = super().to_representation(issue)
        data["labels"] = sorted(data["labels"], key=lambda label: (label["name"].lower(), label["id"]))
        return data

    def _issue_base_url(self, issue) -> str:
        repo = self.context.get("repository") or issue.repository
        cache = self.context.setdefault("_issue_base_urls", {})
        if repo.pk not in cache:
            cache[repo.pk] = api_url(self.context.get("request"), f"/repos/{repo.full_name}/issues/")
        return cache[repo.pk]


def attach_relations(issues):
    """Labels and assignees of a page of issues in two flat queries (cheaper than prefetch_related's
    model instances); IssueSerializer reads them. Returns `issues`."""
    from kizuna.accounts.models import Actor

    by_id = {issue.pk: issue for issue in issues}
    for issue in issues:
        issue._label_json, issue._assignee_json = [], []
    if not by_id:
        return issues
    label_rows = Issue.labels.through.objects.filter(issue_id__in=by_id).values_list(
        "issue_id", "label_id", "label__name", "label__color", "label__description")
    for issue_id, pk, name, color, description in sorted(label_rows, key=lambda r: (r[2].lower(), r[1])):
        by_id[issue_id]._label_json.append({"id": pk, "name": name, "color": color, "description": description})
    assignee_rows = Issue.assignees.through.objects.filter(issue_id__in=by_id).values_list(
        "issue_id", "actor_id", "actor__login", "actor__type", "actor__user_id", "actor__agent_id", "actor__deploy_token_id")
    for issue_id, pk, login, typ, user_id, agent_id, token_id in sorted(assignee_rows, key=lambda r: (r[2].lower(), r[1])):
        actor = Actor(pk=pk, login=login, type=typ, user_id=user_id, agent_id=agent_id, deploy_token_id=token_id)
        by_id[issue_id]._assignee_json.append(actor.as_json())
    return issues


def _timestamp(value):
    """As DRF's DateTimeField renders with DATETIME_FORMAT: UTC, `Z`."""
    if value is None:
        return None
    return value.astimezone(dt_timezone.utc).strftime(api_settings.DATETIME_FORMAT)


class IssueWriteSerializer(serializers.Serializer):
    """POST and PATCH bodies (PATCH: every field optional)."""

    title = serializers.CharField(max_length=256, allow_blank=False)
    body = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    labels = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    assignees = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    assignee = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    milestone = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    # PATCH only
    state = serializers.ChoiceField(choices=Issue.State.choices, required=False)
    state_reason = serializers.ChoiceField(choices=Issue.StateReason.choices, required=False, allow_null=True)


class IssueCreateSerializer(IssueWriteSerializer):
    state = None
    state_reason = None


class CommentBodySerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=False, trim_whitespace=False)
