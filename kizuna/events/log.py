"""Appending to the event log: `emit_event`, which sends `signals.event_emitted`.

Every write service calls `emit_event` inside its transaction, and the signal's receivers run in
that same transaction: the webhook receiver (services.create_deliveries_for_event) writes the
delivery rows there (so a crash after commit loses nothing), and schedules the delivery task and the
SSE wake-up with `on_commit`. Apps connect receivers in AppConfig.ready(), so this module imports
none of them and every module that emits events may import it.
"""

from django.conf import settings
from django.db import connection

from kizuna.accounts.actors import operator_actor_of
from kizuna.accounts.models import Actor
from kizuna.statements import insert_returning

from .models import Event, Webhook
from .signals import event_emitted


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
    event = Event(type=type, actor=actor, repository=repository, namespace=namespace, payload=payload or {},
                  subject=subject, on_behalf_of=on_behalf_of)
    # Every write appends here: the INSERT's SQL is compiled once (kizuna.statements), and it also says
    # whether the event's repository or organisation has an active webhook, which the webhook receiver
    # would otherwise ask in a statement of its own — most have none.
    if settings.KIZUNA_COMPILED_STATEMENTS:
        owners_hooks, values = Webhook.objects.of_event_owners(event.namespace_id, event.repository_id)
        hooks = owners_hooks.sql_with_params(values)
        exists = insert_returning(event, None if hooks is None else (f"EXISTS ({hooks[0]})", hooks[1]))
        # None: the ORM wrote the row (a value holding an expression), nothing was asked. SQLite answers 0 or 1.
        hooks_exist = False if hooks is None else None if exists is None else bool(exists)
    else:  # the ORM writes the event; the receiver reads the hooks itself
        insert_returning(event, None)
        hooks_exist = None
    event_emitted.send(sender=Event, event=event, hooks_exist=hooks_exist)
    return event
