from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from issues.serializers import LabelSerializer
from kizuna import policy
from kizuna.api.fields import (
    ActorField, ActorSerializer, StrictBooleanField, StrictCharField, StrictIntegerField, TimestampField, TitleField,
    UrlField,
)
from kizuna.api.serializers import KizunaModelSerializer

from .models import PullRequest, Review
from .services import MAX_REQUESTED_REVIEWERS, MERGE_METHODS, REVIEW_EVENTS


class RefSerializer(serializers.Serializer):
    ref = StrictCharField()
    sha = StrictCharField()


class UnmetRuleSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["required_approving_review_count", "require_code_owner_reviews",
                                            "require_pipeline"])
    required = serializers.JSONField(help_text="approvals or owner sets needed; `success` for the pipeline")
    actual = serializers.JSONField(help_text="approvals or owner sets given; the newest pipeline's status or null")
    changes_requested_by = serializers.ListField(child=StrictCharField(), required=False)
    owners = serializers.ListField(child=serializers.ListField(child=StrictCharField()), required=False,
                                   help_text="owner sets (logins) still without an approval")


class CodeOwnersErrorSerializer(serializers.Serializer):
    path = StrictCharField(allow_null=True)
    line = serializers.IntegerField(allow_null=True)
    message = StrictCharField()


class MergeableDetailsSerializer(serializers.Serializer):
    unmet = UnmetRuleSerializer(many=True)
    codeowners_errors = CodeOwnersErrorSerializer(many=True)


@extend_schema_field(LabelSerializer(many=True))
class IssueLabelsField(serializers.Field):
    """A pull request's labels: as pulls.reads.attach rendered them for the page when it did (sorted by
    name), else the issue's labels rendered by LabelSerializer."""

    def __init__(self, **kwargs):
        super().__init__(source="issue", read_only=True, **kwargs)

    def to_representation(self, issue):
        rendered = getattr(issue, "_label_json", None)
        return rendered if rendered is not None else LabelSerializer(issue.labels.all(), many=True).data


class PullRequestSerializer(KizunaModelSerializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(source="issue.number", read_only=True)
    title = StrictCharField(source="issue.title", read_only=True)
    body = StrictCharField(source="issue.body", read_only=True)
    state = StrictCharField(source="issue.state", read_only=True)
    head = serializers.SerializerMethodField()
    base = serializers.SerializerMethodField()
    author = ActorField(source="issue.author")
    labels = IssueLabelsField()
    assignees = serializers.SerializerMethodField()
    merged_by = ActorField(allow_null=True)
    created_at = TimestampField(source="issue.created_at", read_only=True)
    updated_at = TimestampField(source="issue.updated_at", read_only=True)
    closed_at = TimestampField(source="issue.closed_at", read_only=True, allow_null=True)
    url = UrlField(lambda pr: pr.api_path())
    mergeable_state = serializers.SerializerMethodField()
    mergeable_state_details = serializers.SerializerMethodField()
    requested_reviewers = serializers.SerializerMethodField()

    class Meta:
        model = PullRequest
        fields = [
            "id", "number", "title", "body", "state", "draft", "merged", "mergeable", "mergeable_state",
            "mergeable_state_details", "head", "base", "author", "labels", "assignees", "requested_reviewers",
            "commits", "additions", "deletions", "changed_files", "merged_at", "merged_by",
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
        if hasattr(pr.issue, "_assignee_json"):  # pulls.reads.attach
            return pr.issue._assignee_json
        return [a.as_json() for a in pr.issue.assignees.all()]

    @extend_schema_field(ActorSerializer(many=True))
    def get_requested_reviewers(self, pr) -> list:
        if hasattr(pr, "_reviewer_json"):  # pulls.reads.attach
            return pr._reviewer_json
        return [r.reviewer.as_json() for r in pr.review_requests.all()]

    def _unmet(self, pr) -> list | None:
        """The unmet protection rules: from the view's page-wide answer, else asked for this PR."""
        unmet = self.context.get("unmet")
        if unmet is None:
            unmet = self.context["unmet"] = policy.unmet_rules(pr.repository, [pr])
        return unmet.get(pr.pk)

    @extend_schema_field(serializers.ChoiceField(choices=["clean", "blocked", "dirty", "unknown"]))
    def get_mergeable_state(self, pr) -> str:
        """closed or merged, or mergeability not yet known: unknown; conflicts: dirty; a draft or an unmet
        protection rule: blocked; else clean."""
        if pr.merged or pr.issue.state != "open" or pr.mergeable is None:
            return "unknown"
        if not pr.mergeable:
            return "dirty"
        return "blocked" if pr.draft or self._unmet(pr) else "clean"

    @extend_schema_field(MergeableDetailsSerializer)
    def get_mergeable_state_details(self, pr) -> dict:
        unmet = self._unmet(pr) if pr.issue.state == "open" and not pr.merged else None
        return {"unmet": unmet or [], "codeowners_errors": pr.codeowners_errors or []}


class PullCreateSerializer(serializers.Serializer):
    title = TitleField()
    body = StrictCharField(required=False, allow_blank=True, default="")
    head = StrictCharField(max_length=255)
    base = StrictCharField(max_length=255, required=False)
    draft = StrictBooleanField(required=False, default=False)


class PullUpdateSerializer(serializers.Serializer):
    """Writable fields of PATCH; anything else (merged, head, …) is read-only and ignored (docs/api.md §2)."""

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


class ReviewSerializer(KizunaModelSerializer):
    user = ActorField()

    class Meta:
        model = Review
        fields = ["id", "user", "state", "body", "commit_id", "submitted_at"]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=list(REVIEW_EVENTS))
    body = StrictCharField(required=False, allow_blank=True, default="", max_length=65536,
                                 help_text="required for REQUEST_CHANGES and COMMENT")
    commit_id = StrictCharField(required=False, max_length=40, validators=[RegexValidator(r"\A[0-9a-f]{40}\Z")],
                                help_text="the head sha reviewed (40 hex digits); another head answers 409")


class DismissSerializer(serializers.Serializer):
    message = StrictCharField(max_length=1024)


class ReviewersSerializer(serializers.Serializer):
    reviewers = serializers.ListField(child=StrictCharField(max_length=64), allow_empty=False,
                                      max_length=MAX_REQUESTED_REVIEWERS)


class ProtectionSerializer(serializers.Serializer):
    """A branch's protection rule; on PUT omitted fields take their defaults (0, false, null)."""

    required_approving_review_count = StrictIntegerField(min_value=0, max_value=6, default=0)
    dismiss_stale_reviews = StrictBooleanField(default=False)
    require_code_owner_reviews = StrictBooleanField(default=False)
    require_pipeline = StrictBooleanField(default=False, help_text="the newest pipeline on the head sha must be success")
    require_pull_request = StrictBooleanField(default=False, help_text="no direct pushes")
    allow_force_pushes = StrictBooleanField(default=False)
    allow_deletions = StrictBooleanField(default=False)
    agent_approval_min_trust = StrictIntegerField(
        min_value=0, max_value=4, allow_null=True, default=None,
        help_text="agents' approvals count at or above this trust level; null: never")
