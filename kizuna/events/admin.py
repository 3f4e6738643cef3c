"""The event log is the audit trail: read-only in the admin."""

from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "repository", "namespace", "actor", "on_behalf_of", "created_at")
    list_filter = ("type",)
    search_fields = ("type", "actor__login", "repository__name", "namespace__login")
    list_select_related = ("repository__namespace", "namespace", "actor", "on_behalf_of")
    raw_id_fields = ("repository", "namespace", "actor", "on_behalf_of", "subject")
    show_full_result_count = False
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
