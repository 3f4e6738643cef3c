"""Background work for agents, through Django's tasks API (django-tasks), and the listener that enqueues it."""

from django.db import transaction
from django_tasks import task

from kizuna.events.models import Event

from . import reputation


@task()
def recompute_reputations() -> int:
    """Recompute every agent's reputation; schedule it (e.g. nightly) or run `manage.py recompute_reputation`."""
    return reputation.recompute_all_reputations()


@task()
def recompute_reputation_for_event(event_id: int) -> list[str]:
    """Recompute the reputation of the agent(s) an outcome event concerns (a PR merged/closed, a pipeline finished)."""
    return [str(agent.pk) for agent in reputation.recompute_for_event(event_id)]


OUTCOME_EVENT_TYPES = {"pull_request.merged", "pull_request.closed", "pipeline.status_changed"}


def reputation_listener(*, event: Event, **signal) -> None:
    """A receiver of kizuna.events.signals.event_emitted: after an outcome event commits, recompute the concerned agents in the background.

    No query runs inside the change's transaction; a failed enqueue is logged, never raised.
    """
    if event.type not in OUTCOME_EVENT_TYPES:
        return
    if event.type == "pipeline.status_changed":
        status = ((event.payload or {}).get("pipeline") or {}).get("status")
        if status not in reputation.FINAL_PIPELINE_STATUSES:
            return
    event_id = event.pk

    def enqueue():
        # Looked up at call time, so a test can swap the task for a fake.
        recompute_reputation_for_event.enqueue(event_id)

    transaction.on_commit(enqueue, robust=True)
