"""A webhook URL's password is never shown: not in API answers, events, delivery bodies, logs or the
admin; the receiver still gets it as Basic auth, and PATCHing the URL as shown keeps it (issue 17)."""

import base64
import json
import logging

import pytest
from django.test import Client

from kizuna.accounts.services import user_create
from kizuna.events import tasks as delivery_tasks
from kizuna.events.models import Event, Webhook, WebhookDelivery, redact_url

from ..events.conftest import receiver  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
PASSWORD = "hunter2-Secret"


def test_redact_url():
    assert redact_url("https://ci:pw@h.example/x?y=1") == "https://ci:********@h.example/x?y=1"
    assert redact_url("https://tok@h.example/") == "https://********@h.example/"
    assert redact_url("https://h.example/a@b") == "https://h.example/a@b"
    assert redact_url("http://[::1") == "http://[::1"


def test_a_hooks_password_shows_nowhere(api, world, receiver, settings, caplog):  # noqa: F811
    settings.KIZUNA_WEBHOOK_MAX_ATTEMPTS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    caplog.set_level(logging.DEBUG)
    admin = api(world.tokens["admin"])
    url = receiver.url.replace("http://", f"http://ci-user:{PASSWORD}@")
    created = admin.post("/repos/w-org/pub/webhooks", {"url": url, "events": ["*"], "secret": receiver.secret})
    assert created.status_code == 201, created.json()
    hook_id = created.json()["id"]
    shown = created.json()["url"]
    assert shown == url.replace(PASSWORD, "********")
    seen = [created.content, admin.get("/repos/w-org/pub/webhooks").content,
            admin.get(f"/repos/w-org/pub/webhooks/{hook_id}").content]

    # The shown URL sent back changes nothing; the receiver still gets the password as Basic auth.
    assert admin.patch(f"/repos/w-org/pub/webhooks/{hook_id}", {"url": shown}).status_code == 200
    assert Webhook.objects.get(pk=hook_id).url == url
    ping = admin.post(f"/repos/w-org/pub/webhooks/{hook_id}/ping")
    assert ping.status_code in (201, 202, 204), ping.content
    delivery_tasks.deliver_due()
    [request] = receiver.requests
    assert base64.b64decode(request["headers"]["Authorization"].split()[1]).decode() == f"ci-user:{PASSWORD}"
    seen.append(request["body"])

    # A failing hook is deactivated: the event names the hook by id and redacted URL.
    receiver.script = [500]
    admin.patch("/repos/w-org/pub", {"description": "touch"})
    delivery_tasks.deliver_due()
    deactivated = Event.objects.get(type="webhook.deactivated")
    assert deactivated.payload["hook"] == {**deactivated.payload["hook"], "id": hook_id, "url": shown}
    seen += [admin.get("/repos/w-org/pub/events").content, api().get("/repos/w-org/pub/events").content,
             admin.get(f"/repos/w-org/pub/webhooks/{hook_id}/deliveries").content,
             json.dumps(list(WebhookDelivery.objects.values("body", "error", "request_headers")), default=str).encode(),
             json.dumps(list(Event.objects.values("payload")), default=str).encode(), caplog.text.encode()]

    staff = user_create(login="w-staff", password="pw", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    for page in ("/admin/events/webhook/", f"/admin/events/webhook/{hook_id}/change/", "/admin/events/event/"):
        response = browser.get(page)
        assert response.status_code == 200, page
        seen.append(response.content)
    for i, content in enumerate(seen):
        assert PASSWORD.encode() not in content, i
