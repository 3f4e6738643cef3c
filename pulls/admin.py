from django.contrib import admin

from .models import BranchProtection, PullRequest, Review


@admin.register(PullRequest)
class PullRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "repository", "number", "title", "head_ref", "base_ref", "draft", "merged", "mergeable")
    list_filter = ("draft", "merged", "mergeable")
    search_fields = ("issue__title", "head_ref", "base_ref", "head_sha", "merge_commit_sha")
    list_select_related = ("issue", "repository__namespace")
    raw_id_fields = ("issue", "repository", "merged_by")
    readonly_fields = ("head_sha", "base_sha", "merge_commit_sha", "merged_at", "merged_by")
    show_full_result_count = False

    @admin.display(ordering="issue__number")
    def number(self, obj):
        return obj.issue.number

    @admin.display(ordering="issue__title")
    def title(self, obj):
        return obj.issue.title


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited here: reviews and protection rules change through the API's services,
    which lock, validate and record the events the audit trail needs."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BranchProtection)
class BranchProtectionAdmin(ReadOnlyAdmin):
    list_display = ("repository", "branch", "required_approving_review_count", "require_code_owner_reviews",
                    "require_pipeline", "require_pull_request", "agent_approval_min_trust", "updated_at")
    list_select_related = ("repository__namespace",)
    search_fields = ("branch", "repository__name")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "pull", "user", "state", "commit_id", "submitted_at")
    list_filter = ("state",)
    list_select_related = ("pull__issue", "user")
    search_fields = ("user__login", "commit_id")
    show_full_result_count = False
