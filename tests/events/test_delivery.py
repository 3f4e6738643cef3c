import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.accounts.actors import actor_for_user
from kizuna.events import delivery as delivery_mod
from kizuna.events import tasks as delivery_tasks
from kizuna.events.models import Event, WebhookDelivery
from kizuna.events.services import webhook_create, webhook_redeliver
from repos import services as repo_services

pytestmark = pytest.mark.django_db


def make_hook(world, receiver, **kw):
    return webhook_create(actor=actor_for_user(world.admin), repository=world.public, url=receiver.url,
                          events=kw.pop("events", ["*"]), secret=receiver.secret or "", **kw)


def touch(world, description="x"):
    repo_services.repo_update(actor=actor_for_user(world.admin), repo=world.public, description=description)
    return WebhookDelivery.objects.order_by("-id").first()


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_is_signed_and_shaped(world, receiver):
    make_hook(world, receiver)
    d = touch(world, "hello")
    result = delivery_mod.attempt_delivery(d.pk)
    assert result.success is True and result.state == "succeeded" and result.status_code == 200
    [req] = receiver.requests
    assert req["verified"] is True
    h = req["headers"]
    assert h["X-Kizuna-Event"] == "repository" and h["X-Kizuna-Delivery"] == str(d.guid)
    assert h["webhook-id"] == str(d.guid) and h["webhook-signature"].startswith("v1,")
    body = json.loads(req["body"])
    assert body["event"] == "repository" and body["action"] == "updated"
    assert body["repository"]["full_name"] == "w-org/pub" and body["repository"]["id"] == world.public.pk
    assert body["sender"] == {"id": world.admin.pk, "login": "w-admin", "type": "User"}
    assert body["changes"]["description"]
    assert req["body"] == d.body.encode()  # the stored body is exactly what was signed and sent
    stored = WebhookDelivery.objects.get(pk=d.pk)
    assert stored.request_headers["X-Kizuna-Signature"].startswith("sha256=")
    assert stored.response_body == "ok" * 10 and stored.duration_ms is not None and stored.attempt == 1


def test_fails_twice_then_succeeds_on_the_third_attempt_with_the_same_id(world, receiver):
    make_hook(world, receiver)
    receiver.script = [500, 503]
    d = touch(world)
    first = delivery_mod.attempt_delivery(d.pk)
    assert first.success is False and first.state == "pending" and first.next_attempt_at > timezone.now()
    assert delivery_mod.attempt_delivery(d.pk) is None  # not due yet: the backoff holds it
    make_due(d)
    assert delivery_mod.attempt_delivery(d.pk).success is False
    make_due(d)
    third = delivery_mod.attempt_delivery(d.pk)
    assert third.success is True and third.attempt == 3 and third.state == "succeeded"
    assert len(receiver.requests) == 3
    assert {r["headers"]["X-Kizuna-Delivery"] for r in receiver.requests} == {str(d.guid)}
    assert all(r["verified"] is True for r in receiver.requests)
    assert len({r["body"] for r in receiver.requests}) == 1


def test_backoff_grows_with_jitter_and_spans_about_a_day():
    delays = [delivery_mod.retry_delay(n) for n in range(1, delivery_mod.max_attempts())]
    assert all(b >= a * 0.6 for a, b in zip(delays, delays[1:], strict=False))
    assert 18 * 3600 < sum(delays) < 32 * 3600
    assert len({round(delivery_mod.retry_delay(3), 6) for _ in range(20)}) > 1  # jitter


def test_redelivery_is_signed_with_the_same_delivery_id(world, receiver):
    make_hook(world, receiver)
    d = touch(world)
    delivery_mod.attempt_delivery(d.pk)
    copy = webhook_redeliver(actor=actor_for_user(world.admin), delivery=d)
    assert delivery_mod.attempt_delivery(copy.pk).success is True
    assert [r["headers"]["X-Kizuna-Delivery"] for r in receiver.requests] == [str(d.guid)] * 2
    assert all(r["verified"] is True for r in receiver.requests)


def test_redirect_to_a_private_address_is_not_followed(world, receiver):
    make_hook(world, receiver)
    receiver.script = [("redirect", "http://10.0.0.1/steal")]
    d = touch(world)
    result = delivery_mod.attempt_delivery(d.pk)
    assert result.success is False and result.status_code == 302
    assert "redirect" in result.error and result.state == "pending"
    assert len(receiver.requests) == 1


def test_a_receiver_that_never_answers_times_out(world, receiver, settings):
    settings.KIZUNA_WEBHOOK_TIMEOUT = 1
    make_hook(world, receiver)
    receiver.script = ["hang"]
    d = touch(world)
    result = delivery_mod.attempt_delivery(d.pk)
    assert result.success is False and result.status_code is None
    assert "timed out" in result.error
    assert result.next_attempt_at > timezone.now()


def test_private_address_is_refused_at_delivery_time_too(world, receiver, settings):
    make_hook(world, receiver)  # created while private targets were allowed
    d = touch(world)
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    result = delivery_mod.attempt_delivery(d.pk)
    assert result.success is False and result.error.startswith("refused:")
    assert receiver.requests == []


def test_unsigned_hook_sends_no_signatures(world, receiver):
    receiver.secret = None
    make_hook(world, receiver)
    delivery_mod.attempt_delivery(touch(world).pk)
    [req] = receiver.requests
    assert "X-Kizuna-Signature" not in req["headers"] and "webhook-signature" not in req["headers"]


def test_rotated_secret_signs_with_both(world, receiver):
    from kizuna.events.services import webhook_update

    hook = make_hook(world, receiver)
    webhook_update(actor=actor_for_user(world.admin), hook=hook, secret="brand-new")
    receiver.secret = "brand-new"
    d = touch(world)
    delivery_mod.attempt_delivery(d.pk)
    [req] = receiver.requests
    assert len(req["headers"]["webhook-signature"].split(" ")) == 2
    assert req["verified"] is True
    # A receiver still holding the old secret verifies the Standard Webhooks signature too.
    import base64
    import hashlib
    import hmac

    h = req["headers"]
    signed = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + req["body"]
    old = "v1," + base64.b64encode(hmac.new(b"s3cret", signed, hashlib.sha256).digest()).decode()
    assert old in h["webhook-signature"].split(" ")


def test_worker_killed_mid_delivery_then_restarted_delivers_everything(world, receiver, monkeypatch):
    make_hook(world, receiver)
    for i in range(6):
        touch(world, f"v{i}")
    ids = list(WebhookDelivery.objects.values_list("pk", flat=True))
    # A worker claims two rows and dies before sending (or while waiting for the receiver).
    assert delivery_mod.claim(ids[0]) is not None and delivery_mod.claim(ids[1]) is not None
    assert delivery_mod.claim(ids[0]) is None  # a second worker cannot take a claimed row
    # The restarted worker sweeps: unclaimed rows go now, claimed rows once their lease runs out.
    assert delivery_tasks.deliver_due() == 4
    WebhookDelivery.objects.filter(pk__in=ids[:2]).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert delivery_tasks.deliver_due() == 2
    assert delivery_tasks.deliver_due() == 0
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}
    descriptions = sorted(json.loads(r["body"])["repository"].get("id") and r["headers"]["X-Kizuna-Delivery"]
                          for r in receiver.requests)
    assert len(set(descriptions)) == 6 and all(r["verified"] is True for r in receiver.requests)


def test_hook_that_keeps_failing_is_deactivated_with_an_event(world, receiver, settings):
    settings.KIZUNA_WEBHOOK_MAX_ATTEMPTS = 2
    hook = make_hook(world, receiver)
    receiver.script = [500, 500]
    d = touch(world)
    delivery_mod.attempt_delivery(d.pk)
    make_due(d)
    last = delivery_mod.attempt_delivery(d.pk)
    assert last.state == "failed"
    hook.refresh_from_db()
    assert hook.active is False and hook.deactivated_at is not None
    event = Event.objects.filter(type="webhook.deactivated").get()
    assert event.payload["hook"]["id"] == hook.pk and event.repository_id == world.public.pk
    # Later events are not delivered to the inactive hook.
    touch(world, "after")
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1


def test_a_failed_attempt_is_enqueued_again_for_when_it_is_due(world, receiver, settings):
    """delivery.py records the retry time; tasks.py enqueues the deferred task (nothing for a success or an inactive hook)."""
    from django_tasks_db.models import DBTaskResult

    make_hook(world, receiver)
    receiver.script = [500]
    d = touch(world)
    failed = delivery_tasks.deliver(d.pk)
    assert failed.state == "pending" and delivery_mod.retry_at(failed) == failed.next_attempt_at
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [d.pk] and queued.run_after == failed.next_attempt_at
    assert delivery_tasks.deliver(d.pk) is None  # not due yet: nothing attempted, nothing enqueued
    make_due(d)
    assert delivery_tasks.deliver(d.pk).state == "succeeded" and DBTaskResult.objects.count() == 1
    settings.KIZUNA_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script = [500]
    last = delivery_tasks.deliver(touch(world, "gives up").pk)
    assert last.state == "failed" and delivery_mod.retry_at(last) is None and DBTaskResult.objects.count() == 1


def test_on_commit_enqueues_through_the_tasks_api(world, receiver, immediate_tasks, django_capture_on_commit_callbacks):
    make_hook(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        touch(world, "via task")
    assert len(receiver.requests) == 1 and receiver.requests[0]["verified"] is True
    assert WebhookDelivery.objects.get().state == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_database_task_backend_and_worker(world, receiver):
    """The default backend: the commit enqueues a task row; `manage.py db_worker` sends it."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    make_hook(world, receiver)
    touch(world, "queued")  # a real commit: on_commit enqueues
    assert DBTaskResult.objects.count() == 1 and receiver.requests == []
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_lost_enqueue_is_swept_by_the_command(world, receiver):
    from django.core.management import call_command

    make_hook(world, receiver)
    touch(world)  # committed-in-test but its on_commit enqueue never ran: the "lost" case
    call_command("deliver_webhooks")
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_ping_is_delivered_even_for_unsubscribed_events(world, receiver):
    from kizuna.events.services import webhook_ping

    hook = make_hook(world, receiver, events=["push"])
    d = webhook_ping(actor=actor_for_user(world.admin), hook=hook)
    assert delivery_mod.attempt_delivery(d.pk).success
    assert receiver.requests[0]["headers"]["X-Kizuna-Event"] == "ping"
    assert json.loads(receiver.requests[0]["body"])["hook_id"] == hook.pk


def test_uuid_guid_unique_per_delivery(world, receiver):
    make_hook(world, receiver)
    make_hook(world, receiver)
    touch(world)
    guids = list(WebhookDelivery.objects.values_list("guid", flat=True))
    assert len(guids) == 2 and len(set(guids)) == 2 and all(isinstance(g, uuid.UUID) for g in guids)
