"""Delivery tasks on Django's tasks API (django-tasks; django-tasks-db's `db_worker` by default).

`deliver_webhook(id)` attempts one delivery and then sweeps any other due rows, so deliveries whose
enqueue was lost (a crash between commit and `on_commit`) or whose worker died mid-attempt are still
sent by the next task; `manage.py deliver_webhooks --loop` sweeps on a timer for idle installations.
This module orchestrates: kizuna/events/delivery.py sends and records, and a failed attempt with
attempts left is enqueued again here for when it is due.
"""

import logging

from django_tasks import task, task_backends

from .delivery import attempt_delivery, due_ids, retry_at

logger = logging.getLogger("kizuna.events.tasks")


@task()
def deliver_webhook(delivery_id: int) -> None:
    deliver(delivery_id)
    deliver_due(limit=20)


def deliver(delivery_id: int):
    """Attempt one delivery (None if it was not due or someone else has it); schedule its retry."""
    delivery = attempt_delivery(delivery_id)
    when = retry_at(delivery)
    if when is not None:
        enqueue_deliveries([delivery.pk], run_after=when)
    return delivery


def deliver_due(limit: int = 100) -> int:
    """Attempt every due delivery (new, retry, or orphaned by a crashed worker). Returns attempts made."""
    done = 0
    for pk in due_ids(limit):
        if deliver(pk) is not None:
            done += 1
    return done


def enqueue_deliveries(ids: list[int], run_after=None) -> None:
    """Enqueue one task per delivery. Failures are logged, never raised: the sweeper has the row."""
    for pk in ids:
        try:
            job = deliver_webhook
            if run_after is not None:
                if not task_backends[job.backend].supports_defer:
                    continue  # e.g. the immediate backend: the sweeper sends it when due
                job = job.using(run_after=run_after)
            job.enqueue(pk)
        except Exception:  # noqa: BLE001 - the delivery row stays pending and due
            logger.exception("could not enqueue webhook delivery %s", pk)
