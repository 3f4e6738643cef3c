"""An agent's reputation, derived from the event log (docs/agents.md, "Reputation").

Only reads events and stores the score; agents/tasks.py runs it in the background.
"""

import math
from datetime import datetime, timedelta

from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.accounts.actors import actor_for_agent
from kizuna.events.models import Event

from .models import Agent

# See docs/agents.md, "Reputation". Evidence fades with a half-life, so an idle agent drifts back to
# the neutral prior; a smoothed rate needs a few outcomes before it moves far from 0.5.
REPUTATION_PRIOR = 0.5
PRIOR_WEIGHT = 2.0  # pseudo-outcomes of the prior: (successes + 0.5*2) / (outcomes + 2)
HALF_LIFE_DAYS = 90.0
PR_WEIGHT = 0.6
PIPELINE_WEIGHT = 0.4
PR_PENDING_DAYS = 7  # an open PR younger than this is not judged yet; older, it counts as not merged
FINAL_PIPELINE_STATUSES = {"success": True, "failed": False}


def _age_weight(when: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - when).total_seconds() / 86400)
    return math.pow(0.5, age_days / HALF_LIFE_DAYS)


def _smoothed(successes: float, outcomes: float) -> float:
    return (successes + REPUTATION_PRIOR * PRIOR_WEIGHT) / (outcomes + PRIOR_WEIGHT)


def _pr_outcomes(agent_actor: Actor, now: datetime) -> list[tuple[datetime, bool]]:
    """(when, merged) for each judged PR the agent opened."""
    opened = {}
    for repo_id, payload, created in Event.objects.filter(actor=agent_actor, type="pull_request.opened").values_list(
        "repository_id", "payload", "created_at"
    ):
        number = (payload.get("pull_request") or {}).get("number") if isinstance(payload, dict) else None
        if repo_id is not None and number is not None:
            opened.setdefault((repo_id, number), created)
    if not opened:
        return []
    decided: dict[tuple, tuple[datetime, bool]] = {}
    repo_ids = {repo_id for repo_id, _ in opened}
    later = Event.objects.filter(
        repository_id__in=repo_ids, type__in=("pull_request.merged", "pull_request.closed", "pull_request.reopened")
    ).order_by("id").values_list("repository_id", "type", "payload", "created_at")
    for repo_id, type_, payload, created in later:
        number = (payload.get("pull_request") or {}).get("number") if isinstance(payload, dict) else None
        key = (repo_id, number)
        if key not in opened or decided.get(key, (None, False))[1]:
            continue  # not the agent's PR, or already merged (a merge is final)
        if type_ == "pull_request.reopened":
            decided.pop(key, None)
        else:
            decided[key] = (created, type_ == "pull_request.merged")
    outcomes = []
    for key, opened_at in opened.items():
        if key in decided:
            outcomes.append(decided[key])
        elif now - opened_at >= timedelta(days=PR_PENDING_DAYS):
            outcomes.append((opened_at, False))
    return outcomes


def _pipeline_outcomes(agent: Agent, agent_actor: Actor) -> list[tuple[datetime, bool]]:
    """(when, passed) for each pipeline the agent triggered that finished success or failed (last word wins)."""
    rows = Event.objects.filter(type="pipeline.status_changed", payload__pipeline__triggered_by__id=str(agent.pk))
    rows = rows.order_by("id").values_list("repository_id", "payload", "created_at")
    final: dict[tuple, tuple[datetime, bool]] = {}
    for repo_id, payload, created in rows:
        pipeline = payload.get("pipeline") or {}
        by = pipeline.get("triggered_by") or {}
        if by.get("type", "Agent") != "Agent":
            continue
        status = pipeline.get("status")
        key = (repo_id, pipeline.get("id"))
        if status in FINAL_PIPELINE_STATUSES:
            final[key] = (created, FINAL_PIPELINE_STATUSES[status])
        elif status in ("pending", "running", "canceled", "skipped"):
            final.pop(key, None)  # re-run or canceled: not an outcome (any more)
    return list(final.values())


def compute_reputation(agent: Agent, *, now: datetime | None = None) -> float:
    """The reputation the event log supports for `agent` (0.0–1.0); see docs/agents.md."""
    now = now or timezone.now()
    agent_actor = actor_for_agent(agent)
    prs = _pr_outcomes(agent_actor, now)
    pipelines = _pipeline_outcomes(agent, agent_actor)

    def rate(outcomes):
        weights = [(_age_weight(when, now), ok) for when, ok in outcomes]
        return _smoothed(sum(w for w, ok in weights if ok), sum(w for w, _ in weights))

    score = PR_WEIGHT * rate(prs) + PIPELINE_WEIGHT * rate(pipelines)
    return round(min(1.0, max(0.0, score)), 4)


def recompute_reputation(agent: Agent, *, now: datetime | None = None) -> Agent:
    """Store the recomputed score and stamp `last_audited` (no event: it is derived data)."""
    now = now or timezone.now()
    score = compute_reputation(agent, now=now)
    Agent.objects.filter(pk=agent.pk).update(reputation_score=score, last_audited=now)
    agent.reputation_score, agent.last_audited = score, now
    return agent


def agents_concerned_by(event: Event) -> list[Agent]:
    """The agents whose reputation an outcome event may change: the PR's opener, the pipeline's trigger."""
    agent_ids = set()
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.type in ("pull_request.merged", "pull_request.closed"):
        number = (payload.get("pull_request") or {}).get("number")
        if number is not None and event.repository_id is not None:
            opened = Event.objects.filter(
                repository_id=event.repository_id, type="pull_request.opened", payload__pull_request__number=number,
                actor__type=Actor.Type.AGENT,
            ).values_list("actor__agent_id", flat=True)
            agent_ids.update(opened)
    elif event.type == "pipeline.status_changed":
        by = (payload.get("pipeline") or {}).get("triggered_by") or {}
        if by.get("type") == "Agent" and by.get("id"):
            agent_ids.add(by["id"])
    return list(Agent.objects.select_related("operator").filter(pk__in=[a for a in agent_ids if a]))


def recompute_for_event(event_id: int) -> list[Agent]:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return []
    return [recompute_reputation(agent) for agent in agents_concerned_by(event)]


def recompute_all_reputations(*, now: datetime | None = None) -> int:
    count = 0
    for agent in Agent.objects.select_related("operator").order_by("created_at", "pk").iterator(chunk_size=200):
        recompute_reputation(agent, now=now)
        count += 1
    return count
