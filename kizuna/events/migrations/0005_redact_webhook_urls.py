"""Events and ping bodies written before URLs were redacted carried a hook's full URL, password
included (issue 17): rewrite them with the redacted form."""

import json

from django.db import migrations

from kizuna.events.models import redact_url


def redact(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    for event in Event.objects.filter(type__startswith="webhook.").only("id", "payload").iterator():
        hook = event.payload.get("hook") if isinstance(event.payload, dict) else None
        if isinstance(hook, dict) and isinstance(hook.get("url"), str) and redact_url(hook["url"]) != hook["url"]:
            hook["url"] = redact_url(hook["url"])
            Event.objects.filter(pk=event.pk).update(payload=event.payload)
    Delivery = apps.get_model("events", "WebhookDelivery")
    for delivery in Delivery.objects.filter(event_name="ping", body__contains="@").only("id", "body").iterator():
        try:
            body = json.loads(delivery.body)
        except ValueError:
            continue
        hook = body.get("hook") if isinstance(body, dict) else None
        if isinstance(hook, dict) and isinstance(hook.get("url"), str) and redact_url(hook["url"]) != hook["url"]:
            hook["url"] = redact_url(hook["url"])
            Delivery.objects.filter(pk=delivery.pk).update(body=json.dumps(body, separators=(",", ":"), ensure_ascii=False))


class Migration(migrations.Migration):
    dependencies = [("events", "0004_alter_webhookdelivery_options")]
    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
