"""Background work for agents, through Django's tasks API (django-tasks)."""

from django_tasks import task


@task()
def recompute_reputations() -> int:
    """Recompute every agent's reputation; schedule it (e.g. nightly) or run `manage.py recompute_reputation`."""
    from . import services

    return services.recompute_all_reputations()
