"""Repositories in the admin: created through the API (they need their git directory); edits and
deletion go through the services, so events are emitted and the git data follows."""

from django.contrib import admin

from kizuna.accounts.actors import actor_for_user
from kizuna.admin import ServiceAdmin

from . import services
from .models import Repository


@admin.register(Repository)
class RepositoryAdmin(ServiceAdmin):
    list_display = ("full_name", "visibility", "archived", "default_branch", "open_issues_count", "created_at", "pushed_at")
    list_filter = ("visibility", "archived")
    search_fields = ("name", "namespace__login")
    list_select_related = ("namespace",)
    raw_id_fields = ("namespace",)
    fields = ("namespace", "name", "description", "visibility", "default_branch", "archived", "issues_count",
              "open_issues_count", "open_pulls_count", "last_number", "last_pipeline_number", "created_at", "updated_at", "pushed_at")
    readonly_fields = ("namespace", "name", "default_branch", "issues_count", "open_issues_count", "open_pulls_count", "last_number",
                       "last_pipeline_number", "created_at", "updated_at", "pushed_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        services.repo_update(actor=actor_for_user(request.user), repo=obj, **changes)

    def delete_model(self, request, obj):
        services.repo_delete(actor=actor_for_user(request.user), repo=obj)

    def delete_queryset(self, request, queryset):
        for repo in queryset.select_related("namespace"):
            services.repo_delete(actor=actor_for_user(request.user), repo=repo)
