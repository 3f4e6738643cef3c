from django.contrib import admin

from .models import Event, Webhook, WebhookDelivery


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "repository", "actor", "created_at")
    list_filter = ("type",)
    list_select_related = ("repository__namespace", "actor")
    raw_id_fields = ("repository", "namespace", "actor", "on_behalf_of", "subject")
    show_full_result_count = False
    ordering = ("-id",)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("id", "url", "repository", "namespace", "active", "last_success_at", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    list_select_related = ("repository__namespace", "namespace")
    raw_id_fields = ("repository", "namespace", "created_by")
    exclude = ("secret", "previous_secret")  # secrets are never displayed


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "guid", "webhook", "event_name", "action", "state", "attempt", "status_code", "created_at")
    list_filter = ("state", "event_name")
    search_fields = ("guid",)
    list_select_related = ("webhook",)
    raw_id_fields = ("webhook", "event")
    show_full_result_count = False
    ordering = ("-id",)
