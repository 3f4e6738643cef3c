"""Webhooks, deliveries and events in the admin: read-only records, with the operators' actions
(ping, deactivate, redeliver) running kizuna.events.services and kizuna.events.delivery."""

import pytest
from django.test import Client

from issues import services as issue_services
from kizuna.accounts.actors import actor_for_user
from kizuna.events import services
from kizuna.events.models import Event, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    client = Client()
    client.force_login(make_user("root-op", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def hook(world):
    return services.webhook_create(actor=actor_for_user(world.admin), url="https://hooks.example/in", events=["issue"],
                                   secret="s3cret-value", repository=world.public)


def test_webhooks_are_read_only_and_deactivated_by_an_action(world, staff, hook):
    page = staff.get(f"/admin/events/webhook/{hook.pk}/change/")
    assert page.status_code == 200 and "s3cret-value" not in page.content.decode()
    assert staff.post(f"/admin/events/webhook/{hook.pk}/change/", {"url": "http://127.0.0.1/"}).status_code == 403
    assert staff.get("/admin/events/webhook/add/").status_code == 403
    staff.post("/admin/events/webhook/", {"action": "deactivate", "_selected_action": [hook.pk]})
    hook.refresh_from_db()
    assert not hook.active
    event = Event.objects.get(type="webhook.deactivated")
    assert event.actor.login == "root-op" and "root-op" in event.payload["reason"]
    staff.post("/admin/events/webhook/", {"action": "ping", "_selected_action": [hook.pk]})
    assert WebhookDelivery.objects.filter(webhook=hook, event_name="ping").count() == 1


def test_redeliver_action_copies_the_delivery(world, staff, hook):
    issue_services.issue_create(repo=world.public, actor=actor_for_user(world.writer), title="Hooked")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    page = staff.get(f"/admin/events/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and "Hooked" in page.content.decode()
    assert staff.post(f"/admin/events/webhookdelivery/{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    staff.post("/admin/events/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]})
    copy = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert copy.redelivery and copy.guid == delivery.guid and copy.body == delivery.body and copy.state == "pending"
    assert staff.get("/admin/events/webhookdelivery/").status_code == 200
    assert staff.get("/admin/events/event/").status_code == 200
    assert Webhook.objects.count() == 1
