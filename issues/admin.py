from django.contrib import admin

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
    readonly_fields = ("comments_count",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [CommentInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "issue", "author", "created_at", "updated_at")
    list_select_related = ("issue", "author")
    search_fields = ("body", "author__login")
    raw_id_fields = ("issue", "author")
    date_hierarchy = "created_at"
    show_full_result_count = False
