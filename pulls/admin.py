from django.contrib import admin

from .models import PullRequest


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
