import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kizuna.api.fields import (
    ActorSerializer, StrictBooleanField, StrictCharField, StrictURLField, TimestampField, full_match,
)
from kizuna.api.serializers import KizunaModelSerializer

from . import ssrf
from .models import Webhook, WebhookDelivery
from .services import WEBHOOK_EVENTS


class RepositorySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = StrictCharField()
    full_name = StrictCharField()
    url = StrictURLField()


class EventSerializer(serializers.Serializer):
    """Documents `payloads.event_json` (the list renders with that function directly)."""

    id = serializers.IntegerField()
    type = StrictCharField()
    repository = RepositorySummarySerializer(allow_null=True)
    actor = ActorSerializer()
    on_behalf_of = ActorSerializer(allow_null=True)
    payload = serializers.DictField()
    created_at = TimestampField()


WEBHOOK_EVENT_CHOICES = ["*", *WEBHOOK_EVENTS]  # the schema's WebhookEventEnum


def EventName():  # noqa: N802 - a field factory
    return serializers.ChoiceField(choices=WEBHOOK_EVENT_CHOICES, error_messages={
        "invalid_choice": f"unknown event {{input!r}}; known: *, {', '.join(WEBHOOK_EVENTS)}"})


# The shape ssrf.check_url_syntax also checks (http or https, then a host part, no white space), stated
# as a pattern so the schema says it; that the host resolves to a public address only the server can tell.
WEBHOOK_URL = full_match(r"^[hH][tT][tT][pP][sS]?://[^\r\n\t /?#]+[^\r\n\t ]*$",
                         "must be an http or https URL with a host, and no white space")


class WebhookSerializer(KizunaModelSerializer):
    url = StrictCharField(max_length=2000, validators=[WEBHOOK_URL], help_text=(
        "Where deliveries are POSTed. Its host must resolve to public addresses only (loopback, private, "
        "link-local, … are refused with 422) unless the server sets KIZUNA_WEBHOOK_ALLOW_PRIVATE=true"))
    content_type = serializers.ChoiceField(choices=["json"], required=False, default="json")
    secret = StrictCharField(write_only=True, required=False, allow_blank=True, max_length=255)
    has_secret = serializers.SerializerMethodField()
    events = serializers.ListField(child=EventName(), allow_empty=False, required=False)
    active = StrictBooleanField(required=False, default=True)
    type = serializers.SerializerMethodField()
    repository = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()

    class Meta:
        model = Webhook
        fields = [
            "id", "type", "url", "content_type", "secret", "has_secret", "events", "active", "repository",
            "organization", "last_success_at", "deactivated_at", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "last_success_at", "deactivated_at", "created_at", "updated_at"]

    def to_representation(self, hook):
        data = super().to_representation(hook)
        data["url"] = hook.redacted_url  # a password in the URL is never shown (kizuna.events.models.redact_url)
        return data

    def get_has_secret(self, hook) -> bool:
        return bool(hook.secret)

    def get_type(self, hook) -> str:
        return "Repository" if hook.repository_id else "Organization"

    def get_repository(self, hook) -> str | None:
        return f"{hook.repository.namespace.login}/{hook.repository.name}" if hook.repository_id else None

    def get_organization(self, hook) -> str | None:
        return hook.namespace.login if hook.namespace_id else None

    def validate_url(self, value):
        try:
            ssrf.resolve(value)
        except ssrf.UnsafeTarget as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_events(self, value):
        return list(dict.fromkeys(value))  # each event once (EventName refused unknown ones)


class WebhookCreateSerializer(WebhookSerializer):
    events = serializers.ListField(child=EventName(), allow_empty=False, required=False,
                                   default=lambda: ["push"])


class DeliverySerializer(KizunaModelSerializer):
    id = serializers.IntegerField()
    guid = serializers.UUIDField()
    event = StrictCharField(source="event_name")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "guid", "event", "action", "redelivery", "state", "attempt", "status_code", "success",
            "duration_ms", "delivered_at", "next_attempt_at", "created_at",
        ]


class DeliveryDetailSerializer(DeliverySerializer):
    request = serializers.SerializerMethodField()
    response = serializers.SerializerMethodField()
    error = StrictCharField()

    class Meta(DeliverySerializer.Meta):
        fields = DeliverySerializer.Meta.fields + ["error", "request", "response"]

    @extend_schema_field({"type": "object", "properties": {"headers": {"type": "object"}, "payload": {"type": "object"}, "body": {"type": "string"}}})
    def get_request(self, delivery):
        try:
            payload = json.loads(delivery.body)
        except ValueError:
            payload = None
        return {"headers": delivery.request_headers, "payload": payload, "body": delivery.body}

    @extend_schema_field({"type": "object", "properties": {"headers": {"type": "object"}, "body": {"type": "string"}}})
    def get_response(self, delivery):
        return {"headers": delivery.response_headers, "body": delivery.response_body}
