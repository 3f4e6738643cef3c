"""Every write to webhooks, and the delivery rows of each event.

`create_deliveries_for_event` receives kizuna.events.signals.event_emitted (sent by kizuna/events/log.py): it writes the
delivery rows inside the event's transaction (so a crash after commit loses nothing) and enqueues
the delivery task with `on_commit` (kizuna/events/tasks.py). Turning a hook off is
kizuna/events/delivery.py's `webhook_deactivate`: delivery does it when a hook keeps failing.
"""

import json
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kizuna.accounts.models import Actor

from .models import Event, Webhook, WebhookDelivery

# Event names a hook may subscribe to: §12's list plus the other prefixes of §13's event types.
WEBHOOK_EVENTS = (
    "push", "pull_request", "issue", "comment", "pipeline", "agent", "repository", "ping",
    "member", "job", "token", "webhook", "organization", "pull_request_review", "branch_protection",
)
# How long the previous secret keeps signing beside a new one after a rotation.
SECRET_ROTATION_GRACE = timedelta(hours=24)


# --- delivery rows --------------------------------------------------------------------------------
def _dumps(body: dict) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return

    def enqueue():
        from .tasks import enqueue_deliveries

        enqueue_deliveries(delivery_ids)

    transaction.on_commit(enqueue)


def create_deliveries_for_event(*, event: Event, hooks_exist: bool | None = None, **signal) -> list[WebhookDelivery]:
    """The event_emitted receiver: one pending delivery per active hook that wants this event.

    Repository events go to the repository's hooks and its organisation's hooks; events without a
    repository (member.*, organization.*) go to the organisation's hooks. `hooks_exist`: the event's
    own INSERT already asked (kizuna/events/log.py); False spares most events this look-up.
    """
    if hooks_exist is False:
        return []
    hooks, values = Webhook.objects.of_event_owners(event.namespace_id, event.repository_id)
    hooks = [h for h in hooks.instances(values) if h.wants(event.webhook_event)]
    if not hooks:
        return []
    from .payloads import hook_base, webhook_body

    # Rendered once per server root among the hooks (usually one): URLs differ only by root.
    bodies: dict[str, str] = {}
    for hook in hooks:
        base = hook_base(hook)
        if base not in bodies:
            bodies[base] = _dumps(webhook_body(event, base))
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                webhook=hook, event=event, guid=uuid.uuid4(), event_name=event.webhook_event,
                action=event.webhook_action, body=bodies[hook_base(hook)], next_attempt_at=now, created_at=now,
            )
            for hook in hooks
        ]
    )
    ids = [r.pk for r in rows if r.pk is not None]
    if len(ids) != len(rows):  # backends that don't return ids from bulk_create
        ids = list(WebhookDelivery.objects.filter(event=event).values_list("pk", flat=True))
    _enqueue_on_commit(ids)
    return rows


# --- webhooks -------------------------------------------------------------------------------------
def _fitting_root(api_root: str) -> str:
    """The root to record, or "" (paths) for one longer than any real host name gives: a Host header
    is only as bounded as ALLOWED_HOSTS (`*` lets anything through)."""
    return api_root if len(api_root) <= Webhook._meta.get_field("api_root").max_length else ""


@transaction.atomic
def webhook_create(
    *, actor: Actor, url: str, events: list[str], secret: str = "", active: bool = True,
    content_type: str = "json", repository=None, namespace=None, api_root: str = "",
) -> Webhook:
    """`api_root`: `scheme://host` the API was reached at (kizuna.api.fields.request_root), the root of
    the URLs in this hook's deliveries when KIZUNA_PUBLIC_URL is not set."""
    now = timezone.now()
    return Webhook.objects.create(
        repository=repository, namespace=None if repository is not None else namespace, url=url,
        content_type=content_type, secret=secret or "", events=events, active=active, created_by=actor,
        api_root=_fitting_root(api_root), created_at=now, updated_at=now, deactivated_at=None if active else now,
    )


@transaction.atomic
def webhook_update(*, actor: Actor, hook: Webhook, api_root: str = "", **changes) -> Webhook:
    """`api_root` fills in the root of a hook created before roots were recorded; a recorded one stays."""
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    now = timezone.now()
    if api_root and not hook.api_root:
        hook.api_root = _fitting_root(api_root)
    if "secret" in changes:
        new = changes.pop("secret") or ""
        if new != hook.secret:
            if hook.secret:
                hook.previous_secret = hook.secret
                hook.previous_secret_expires_at = now + SECRET_ROTATION_GRACE
            hook.secret = new
    if "active" in changes and changes["active"] != hook.active:
        hook.deactivated_at = None if changes["active"] else now
    if changes.get("url") == hook.redacted_url:
        changes.pop("url")  # the URL as answers show it, sent back: the stored one (with its password) stays
    for field in ("url", "events", "active", "content_type"):
        if field in changes:
            setattr(hook, field, changes[field])
    hook.updated_at = now
    hook.save()
    return hook


@transaction.atomic
def webhook_delete(*, actor: Actor, hook: Webhook) -> None:
    hook.delete()


@transaction.atomic
def webhook_ping(*, actor: Actor, hook: Webhook) -> WebhookDelivery:
    """A `ping` delivery, sent whatever the hook subscribes to (and even if it is inactive)."""
    from .payloads import hook_base, hook_json, repository_summary

    body = {
        "event": "ping", "action": None,
        "repository": repository_summary(hook.repository, hook_base(hook)) if hook.repository_id else None,
        "sender": actor.as_json(), "zen": "Keep it logically awesome.", "hook_id": hook.pk, "hook": hook_json(hook),
    }
    if hook.namespace_id:
        body["organization"] = {"id": hook.namespace.pk, "login": hook.namespace.login}
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=hook, guid=uuid.uuid4(), event_name="ping", action=None, body=_dumps(body), next_attempt_at=now,
        created_at=now,
    )
    _enqueue_on_commit([delivery.pk])
    return delivery


@transaction.atomic
def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery row with the same body and the same X-Kizuna-Delivery id (as GitHub does)."""
    now = timezone.now()
    copy = WebhookDelivery.objects.create(
        webhook_id=delivery.webhook_id, event_id=delivery.event_id, guid=delivery.guid,
        event_name=delivery.event_name, action=delivery.action, redelivery=True, body=delivery.body,
        next_attempt_at=now, created_at=now,
    )
    _enqueue_on_commit([copy.pk])
    return copy
