"""The event log is the audit trail: read-only in the admin. Webhooks and their deliveries are records
written by the API and the delivery worker: read-only here too, with the operators' actions (ping,
deactivate, redeliver) running kizuna.events.services (deactivate: kizuna.events.delivery). Webhook secrets
are never displayed."""

from django.contrib import admin

from kizuna.admin import ReadOnlyAdmin, staff_actor

from . import services
from .delivery import webhook_deactivate
from .models import Event, Webhook, WebhookDelivery


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "repository", "namespace", "actor", "on_behalf_of", "created_at")
    list_filter = ("type",)
    search_fields = ("type", "actor__login", "repository__name", "namespace__login")
    list_select_related = ("repository__namespace", "namespace", "actor", "on_behalf_of")
    raw_id_fields = ("repository", "namespace", "actor", "on_behalf_of", "subject")
    ordering = ("-id",)


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ("id", "redacted_url", "repository", "namespace", "active", "last_success_at", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    list_select_related = ("repository__namespace", "namespace")
    # Secrets are never displayed (`secret`, `previous_secret` are not among the fields), nor a password in
    # the URL (Webhook.redacted_url).
    fields = ("redacted_url", "repository", "namespace", "events", "content_type", "active", "api_root", "created_by",
              "previous_secret_expires_at", "last_success_at", "deactivated_at", "created_at", "updated_at")
    readonly_fields = fields
    actions = ["ping", "deactivate"]

    @admin.action(description="Ping the selected webhooks")
    def ping(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(request, queryset.select_related("repository__namespace", "namespace"), "Pinged",
                      lambda hook: services.webhook_ping(actor=actor, hook=hook))

    @admin.action(description="Deactivate the selected webhooks (no more deliveries)")
    def deactivate(self, request, queryset):
        actor = staff_actor(request)
        reason = f"deactivated by {actor.login} in the admin"
        self.run_each(request, queryset.filter(active=True).select_related("repository__namespace", "namespace"),
                      "Deactivated", lambda hook: webhook_deactivate(hook=hook, reason=reason, actor=actor))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "hook", "event_type", "state", "attempt", "status_code", "redelivery", "created_at")
    list_filter = ("state", "event_name")
    search_fields = ("guid",)
    ordering = ("-id",)
    actions = ["redeliver"]

    @admin.display(description="webhook", ordering="webhook_id")
    def hook(self, obj):
        return f"#{obj.webhook_id}"  # the hook's URL is on its own page

    @admin.display(description="event", ordering="event_name")
    def event_type(self, obj):  # not `event`: that is the row's foreign key, which the list would load
        return f"{obj.event_name}.{obj.action}" if obj.action else obj.event_name

    @admin.action(description="Redeliver the selected deliveries (same body, same delivery id)")
    def redeliver(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(request, queryset, "Redelivered",
                      lambda delivery: services.webhook_redeliver(actor=actor, delivery=delivery))
