"""Sending one webhook delivery: claim, sign, connect to the vetted address, record the outcome and
when to retry; turn off a hook that keeps failing (`webhook_deactivate`).

At-least-once: a due row is claimed by moving `next_attempt_at` forward by the lease with a
compare-and-swap UPDATE (works on SQLite and PostgreSQL, no lock held during the HTTP call). A worker
that dies mid-delivery leaves the row due again once the lease runs out; `tasks.deliver_due()` (run by
every delivery task, by `manage.py deliver_webhooks` and by its `--loop` mode) picks it up. Enqueuing
is kizuna/events/tasks.py's: this module imports neither it nor the webhook services.
"""

import base64
import hashlib
import hmac
import logging
import random
import time
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Actor, Membership, Role

from . import ssrf
from .log import emit_event
from .models import Webhook, WebhookDelivery

logger = logging.getLogger("kizuna.events.delivery")

RESPONSE_BODY_LIMIT = 64 * 1024
USER_AGENT = "Kizuna-Hookshot/1"
# Retry delays after attempt n (1-based): 30 s doubling to a 4 h cap, ±20 % jitter; 15 attempts span
# about a day (30s+1m+…+128m ≈ 4.3 h, then five times 4 h).
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 4 * 3600


def max_attempts() -> int:
    return settings.KIZUNA_WEBHOOK_MAX_ATTEMPTS


def retry_delay(attempt: int) -> float:
    base = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return base * random.uniform(0.8, 1.2)


def lease_seconds() -> float:
    return settings.KIZUNA_WEBHOOK_TIMEOUT * 3 + 30


# --- signatures -----------------------------------------------------------------------------------
def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(s.encode(), signed, hashlib.sha256).digest()).decode() for s in secrets
    )


def build_headers(delivery: WebhookDelivery, hook: Webhook, body: bytes, timestamp: int, host_header: str) -> dict:
    msg_id = str(delivery.guid)
    headers = {
        "Host": host_header,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "X-Kizuna-Event": delivery.event_name,
        "X-Kizuna-Delivery": msg_id,
        "X-Kizuna-Hook-Id": str(hook.pk),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
    }
    secrets = hook.signing_secrets()
    if hook.secret:
        headers["X-Kizuna-Signature"] = github_signature(hook.secret, body)
    if secrets:
        headers["webhook-signature"] = standard_signature(secrets, msg_id, timestamp, body)
    return headers


# --- claiming -------------------------------------------------------------------------------------
def claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a due pending delivery for one attempt, or None if it is not due or someone else has it."""
    row = WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING).values("next_attempt_at").first()
    now = timezone.now()
    if row is None or row["next_attempt_at"] is None or row["next_attempt_at"] > now:
        return None
    won = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at=row["next_attempt_at"]
    ).update(next_attempt_at=now + timedelta(seconds=lease_seconds()))
    if not won:
        return None
    return WebhookDelivery.objects.select_related("webhook", "webhook__repository__namespace", "webhook__namespace").get(pk=delivery_id)


def due_ids(limit: int = 100) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )


# --- one attempt ----------------------------------------------------------------------------------
def send(hook: Webhook, delivery: WebhookDelivery) -> dict:
    """POST the body once. Returns {status_code, success, headers, body, error, request_headers}."""
    body = delivery.body.encode()
    timeout = settings.KIZUNA_WEBHOOK_TIMEOUT
    result = {"status_code": None, "success": False, "headers": {}, "body": "", "error": "", "request_headers": {}}
    try:
        target = ssrf.resolve(hook.url)
    except ssrf.UnsafeTarget as exc:
        result["error"] = f"refused: {exc}"
        return result
    timestamp = int(time.time())
    headers = build_headers(delivery, hook, body, timestamp, target.host_header)
    result["request_headers"] = {k: ("[redacted]" if k == "Authorization" else v) for k, v in headers.items()}
    parts = urlsplit(hook.url)
    if parts.username:  # credentials in the URL become Basic auth (they are not part of the address)
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
            request = client.build_request("POST", target.address_url, content=body, headers=headers, extensions=extensions)
            response = client.send(request, stream=True)
            try:
                result["status_code"] = response.status_code
                result["headers"] = dict(response.headers)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the response took longer than the timeout")
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= RESPONSE_BODY_LIMIT:
                        break
                result["body"] = b"".join(chunks)[:RESPONSE_BODY_LIMIT].decode("utf-8", "replace")
                result["success"] = 200 <= response.status_code < 300
                if 300 <= response.status_code < 400:
                    result["error"] = f"redirect to {response.headers.get('location', '?')} not followed"
            finally:
                response.close()
    except httpx.TimeoutException:
        result["error"] = f"timed out after {timeout:g} s"
        result["success"] = False
    except httpx.HTTPError as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
        result["success"] = False
    return result


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Claim and send one delivery; record the outcome and schedule a retry or give up."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    hook = delivery.webhook
    now = timezone.now()
    if not hook.active and not (delivery.redelivery or delivery.event_name == "ping"):
        fields = {"state": WebhookDelivery.State.FAILED, "next_attempt_at": None, "error": "webhook is inactive"}
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        for key, value in fields.items():  # the caller reads the outcome (no retry) off the row
            setattr(delivery, key, value)
        return delivery
    started = time.monotonic()
    result = send(hook, delivery)
    duration_ms = int((time.monotonic() - started) * 1000)
    attempt = delivery.attempt + 1
    fields = {
        "attempt": attempt, "status_code": result["status_code"], "success": result["success"],
        "duration_ms": duration_ms, "delivered_at": now, "error": result["error"][:500],
        "request_headers": result["request_headers"], "response_headers": result["headers"],
        "response_body": result["body"],
    }
    gave_up = False
    if result["success"]:
        fields.update(state=WebhookDelivery.State.SUCCEEDED, next_attempt_at=None)
    elif attempt >= max_attempts():
        fields.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
        gave_up = True
    else:
        fields["next_attempt_at"] = timezone.now() + timedelta(seconds=retry_delay(attempt))
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if result["success"]:
            Webhook.objects.filter(pk=hook.pk).update(last_success_at=now)
    for key, value in fields.items():
        setattr(delivery, key, value)
    if gave_up and not delivery.redelivery and delivery.event_name != "ping":
        hook.refresh_from_db(fields=["last_success_at", "active"])
        if hook.active and (hook.last_success_at is None or hook.last_success_at < delivery.created_at):
            webhook_deactivate(hook=hook, reason=f"every delivery since {delivery.created_at:%Y-%m-%dT%H:%M:%SZ} failed")
    return delivery


def retry_at(delivery: WebhookDelivery | None):
    """When an attempted delivery is due again (a failure with attempts left), or None."""
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return None
    return delivery.next_attempt_at


# --- turning a hook off ---------------------------------------------------------------------------
def _system_actor_for(hook: Webhook) -> Actor:
    if hook.created_by_id:
        return hook.created_by
    namespace = hook.namespace or hook.repository.namespace
    user = namespace.user or Membership.objects.filter(namespace=namespace, role=Role.ADMIN).select_related("user").first().user
    return actor_for_user(user)


@transaction.atomic
def webhook_deactivate(*, hook: Webhook, reason: str, actor: Actor | None = None) -> bool:
    """Turn off a hook (one that keeps failing, or by an operator: `actor`), and say so with a
    `webhook.deactivated` event; a failing hook's event names its creator (or an admin) as actor."""
    from .payloads import hook_json

    updated = Webhook.objects.filter(pk=hook.pk, active=True).update(active=False, deactivated_at=timezone.now())
    if not updated:
        return False
    hook.refresh_from_db()
    emit_event(
        type="webhook.deactivated", actor=actor or _system_actor_for(hook), repository=hook.repository,
        namespace=hook.namespace if hook.repository_id is None else None,
        payload={"hook": hook_json(hook), "reason": reason},
    )
    return True
