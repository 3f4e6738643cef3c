"""The agent job protocol: who claims jobs, whose jobs, and how long a job token lives.

Jobs go to agents with capability `ci` and trust >= 2, and only jobs of repositories where the
agent's operator holds the role that may trigger a pipeline (`write`): variable values are secrets,
and whoever may not trigger a pipeline never sees them. A job token clones its one repository
read-only and dies the moment the job ends, its agent is suspended or its operator loses access.
"""

from collections.abc import Callable

from django.db.models import Q

from kizuna.api.errors import Forbidden

from . import facts
from .repositories import (
    allowed,
    check_agent,
    repos_with_role_compiled_q,
    repos_with_role_q,
)
from .rules import Action
from .subjects import principal_kind, require_signed_in


def check_job_runner(principal) -> None:
    """May this caller claim pipeline jobs at all? Which repositories' jobs: `job_repos_q`."""
    if require_signed_in(principal) != "agent":
        raise Forbidden("Only agents run pipeline jobs (an agent token is needed)")
    check_agent(principal, Action.RULES[Action.RUN_JOB])


def job_repos_q(agent, prefix: str = "") -> Q:
    """Repositories whose jobs `agent` may run (a Q over Repository, or through `prefix`)."""
    return repos_with_role_q(agent, Action.RULES[Action.RUN_JOB].role, prefix)


def job_repos_compiled_q(agent, prefix: str = "") -> tuple[tuple, Callable[[], Q], dict]:
    """`job_repos_q` for a statement compiled once per shape: (shape, q, values) (repos_with_role_compiled_q)."""
    return repos_with_role_compiled_q(agent, Action.RULES[Action.RUN_JOB].role, prefix)


RUNNING = "running"  # pipelines.models.Status.RUNNING (tests/policy/test_holes.py holds them equal)


def job_token_alive(token) -> bool:
    """A job token works while its job runs, held by an active agent still allowed to run it."""
    job = facts.job_of(token)
    if job is None or job.status != RUNNING or job.agent is None:
        return False
    agent = job.agent
    if principal_kind(agent) != "agent" or agent.is_suspended or not agent.operator.is_active:
        return False
    return allowed(agent, job.pipeline.repository, Action.RUN_JOB)
