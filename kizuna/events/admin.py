"""The event log is the audit trail: read-only in the admin. Webhook secrets are never displayed."""

from django.contrib import admin

from .models import Event, Webhook, WebhookDelivery


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


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("id", "redacted_url", "repository", "namespace", "active", "last_success_at", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    list_select_related = ("repository__namespace", "namespace")
    raw_id_fields = ("repository", "namespace", "created_by")
    # Secrets are never displayed, nor a password in the URL: hooks are created and re-pointed through
    # the API, the admin shows the URL redacted.
    exclude = ("url", "secret", "previous_secret")
    readonly_fields = ("redacted_url",)

    def has_add_permission(self, request):
        return False

    @admin.display(description="URL")
    def redacted_url(self, hook):
        return hook.redacted_url


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "guid", "webhook", "event_name", "action", "state", "attempt", "status_code", "created_at")
    list_filter = ("state", "event_name")
    search_fields = ("guid",)
    list_select_related = ("webhook",)
    raw_id_fields = ("webhook", "event")
    show_full_result_count = False
    ordering = ("-id",)
