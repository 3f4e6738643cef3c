from django.contrib import admin

from kizuna.accounts.services import actor_for_user

from . import services
from .models import Comment, Issue, Label, Milestone


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ("name", "repository", "color", "description")
    list_select_related = ("repository", "repository__namespace")
    search_fields = ("name", "description", "repository__name")
    raw_id_fields = ("repository",)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "repository", "state", "due_on", "created_at")
    list_filter = ("state",)
    list_select_related = ("repository", "repository__namespace")
    search_fields = ("title", "description", "repository__name")
    raw_id_fields = ("repository",)
    date_hierarchy = "created_at"


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ("author", "body", "created_at")
    raw_id_fields = ("author",)
    show_change_link = True


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "repository", "state", "is_pull_request", "author", "comments_count", "created_at")
    list_filter = ("state", "is_pull_request", "state_reason")
    list_select_related = ("repository", "repository__namespace", "author")
    search_fields = ("title", "=number", "repository__name", "author__login")
    raw_id_fields = ("repository", "author", "milestone", "closed_by", "labels", "assignees")
    # Counters and state move only through the services (open_issues_count, events): use the actions.
    readonly_fields = ("number", "is_pull_request", "state", "state_reason", "closed_at", "closed_by", "comments_count")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [CommentInline]
    actions = ["close_issues", "reopen_issues"]

    @admin.action(description="Close the selected issues (completed)")
    def close_issues(self, request, queryset):
        actor = actor_for_user(request.user)
        for issue in queryset.filter(state=Issue.State.OPEN).select_related("repository__namespace", "author"):
            services.issue_close(issue=issue, actor=actor)

    @admin.action(description="Reopen the selected issues")
    def reopen_issues(self, request, queryset):
        actor = actor_for_user(request.user)
        for issue in queryset.filter(state=Issue.State.CLOSED).select_related("repository__namespace", "author"):
            services.issue_reopen(issue=issue, actor=actor)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "issue", "author", "created_at", "updated_at")
    list_select_related = ("issue", "author")
    search_fields = ("body", "author__login")
    raw_id_fields = ("issue", "author")
    date_hierarchy = "created_at"
    show_full_result_count = False
