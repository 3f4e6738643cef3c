"""Background work for agents, through Django's tasks API (django-tasks)."""

from django_tasks import task


@task()
def recompute_reputations() -> int:
    """Recompute every agent's reputation; schedule it (e.g. nightly) or run `manage.py recompute_reputation`."""
    from . import services

    return services.recompute_all_reputations()


@task()
def recompute_reputation_for_event(event_id: int) -> list[str]:
    """Recompute the reputation of the agent(s) an outcome event concerns (a PR merged/closed, a pipeline finished)."""
    from . import services

    return [str(agent.pk) for agent in services.recompute_for_event(event_id)]
