"""Appending to the event log: `emit_event` and the listeners it runs.

Every write service calls `emit_event` inside its transaction. Listeners in EVENT_LISTENERS run in
that same transaction: the webhook listener (services.create_deliveries_for_event) writes the
delivery rows there (so a crash after commit loses nothing), and schedules the delivery task and the
SSE notification with `on_commit`. Apps register listeners in AppConfig.ready(), so this module
imports none of them and every module that emits events may import it.
"""

from collections.abc import Callable

from django.db import connection

from kizuna.accounts.actors import operator_actor_of
from kizuna.accounts.models import Actor

from .models import Event

# Called with each new event inside the same transaction (webhook delivery rows, SSE fan-out on
# commit). Apps register here in AppConfig.ready(); the list is fixed after start-up.
EVENT_LISTENERS: list[Callable[[Event], None]] = []


def emit_event(
    *,
    type: str,
    actor: Actor,
    repository=None,
    namespace=None,
    payload: dict | None = None,
    subject: Actor | None = None,
    on_behalf_of: Actor | None = None,
) -> Event:
    if not connection.in_atomic_block:  # an event outside a transaction could outlive a rolled-back change
        raise RuntimeError("emit_event must run inside the change's transaction")
    if on_behalf_of is None and actor.type == Actor.Type.AGENT:
        on_behalf_of = operator_actor_of(actor)
    if namespace is None and repository is not None:
        namespace = repository.namespace
    event = Event.objects.create(
        type=type,
        actor=actor,
        repository=repository,
        namespace=namespace,
        payload=payload or {},
        subject=subject,
        on_behalf_of=on_behalf_of,
    )
    for listener in EVENT_LISTENERS:
        listener(event)
    return event
