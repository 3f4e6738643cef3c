from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from issues.serializers import LabelSerializer
from kizuna.api.fields import (
    ActorField, ActorSerializer, StrictBooleanField, StrictCharField, TimestampField, TitleField, UrlField,
)
from kizuna.api.serializers import KizunaModelSerializer

from .models import PullRequest
from .services import MERGE_METHODS


class RefSerializer(serializers.Serializer):
    ref = StrictCharField()
    sha = StrictCharField()


class PullRequestSerializer(KizunaModelSerializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(source="issue.number", read_only=True)
    title = StrictCharField(source="issue.title", read_only=True)
    body = StrictCharField(source="issue.body", read_only=True)
    state = StrictCharField(source="issue.state", read_only=True)
    head = serializers.SerializerMethodField()
    base = serializers.SerializerMethodField()
    author = ActorField(source="issue.author")
    labels = LabelSerializer(source="issue.labels", many=True, read_only=True)
    assignees = serializers.SerializerMethodField()
    merged_by = ActorField(allow_null=True)
    created_at = TimestampField(source="issue.created_at", read_only=True)
    updated_at = TimestampField(source="issue.updated_at", read_only=True)
    closed_at = TimestampField(source="issue.closed_at", read_only=True, allow_null=True)
    url = UrlField(lambda pr: pr.api_path())

    class Meta:
        model = PullRequest
        fields = [
            "id", "number", "title", "body", "state", "draft", "merged", "mergeable", "head", "base", "author",
            "labels", "assignees", "commits", "additions", "deletions", "changed_files", "merged_at", "merged_by",
            "merge_commit_sha", "created_at", "updated_at", "closed_at", "url",
        ]
        read_only_fields = fields

    @extend_schema_field(RefSerializer)
    def get_head(self, pr) -> dict:
        return {"ref": pr.head_ref, "sha": pr.head_sha}

    @extend_schema_field(RefSerializer)
    def get_base(self, pr) -> dict:
        return {"ref": pr.base_ref, "sha": pr.base_sha}

    @extend_schema_field(ActorSerializer(many=True))
    def get_assignees(self, pr) -> list:
        return [a.as_json() for a in pr.issue.assignees.all()]


class PullCreateSerializer(serializers.Serializer):
    title = TitleField()
    body = StrictCharField(required=False, allow_blank=True, default="")
    head = StrictCharField(max_length=255)
    base = StrictCharField(max_length=255, required=False)
    draft = StrictBooleanField(required=False, default=False)


class PullUpdateSerializer(serializers.Serializer):
    """Writable fields of PATCH; anything else (merged, head, …) is read-only and ignored (API.md §2)."""

    title = TitleField(required=False)
    body = StrictCharField(required=False, allow_blank=True)
    state = serializers.ChoiceField(choices=["open", "closed"], required=False)
    base = StrictCharField(max_length=255, required=False)
    labels = serializers.ListField(child=StrictCharField(max_length=50), required=False)
    assignees = serializers.ListField(child=StrictCharField(max_length=64), required=False)


class MergeSerializer(serializers.Serializer):
    merge_method = serializers.ChoiceField(choices=list(MERGE_METHODS), required=False, default="merge")
    sha = StrictCharField(max_length=64, required=False)
    commit_title = StrictCharField(max_length=256, required=False, allow_blank=True)
    commit_message = StrictCharField(required=False, allow_blank=True)


class MergeResultSerializer(serializers.Serializer):
    merged = StrictBooleanField()
    sha = StrictCharField()
    message = StrictCharField()


# PR comments are issue comments: one request component in the schema (no name collision).
from issues.serializers import CommentBodySerializer  # noqa: E402,F401
