"""Reputation from the event log (docs/agents.md), with synthetic events of PRs and pipelines."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from agents import reputation
from agents.models import Agent
from kizuna.accounts.actors import actor_for_agent, actor_for_user
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def repo(make_org, make_repo):
    return make_repo(make_org("rep-org"), "r")


def pr_event(actor, repo, type_, number, days_ago=0):
    return Event.objects.create(
        type=f"pull_request.{type_}", actor=actor, repository=repo, namespace=repo.namespace,
        payload={"pull_request": {"number": number, "title": "t"}}, created_at=NOW - timedelta(days=days_ago),
    )


def pipeline_event(actor, repo, pipeline_id, status, triggered_by, days_ago=0):
    return Event.objects.create(
        type="pipeline.status_changed", actor=actor, repository=repo, namespace=repo.namespace,
        payload={"pipeline": {"id": pipeline_id, "number": pipeline_id, "status": status,
                              "triggered_by": triggered_by.as_json()}},
        created_at=NOW - timedelta(days=days_ago),
    )


def score(agent):
    return reputation.compute_reputation(agent, now=NOW)


def smoothed(successes, outcomes):
    return (successes + 1) / (outcomes + 2)


def test_a_new_agent_starts_at_one_half(make_agent):
    agent, _ = make_agent()
    assert agent.reputation_score == 0.5
    assert score(agent) == 0.5


def test_share_of_prs_merged(make_agent, repo, make_user):
    agent, _ = make_agent()
    me, reviewer = actor_for_agent(agent), actor_for_user(make_user())
    for n in (1, 2, 3, 4):
        pr_event(me, repo, "opened", n, days_ago=1)
    for n in (1, 2, 3):
        pr_event(reviewer, repo, "merged", n)
    pr_event(reviewer, repo, "closed", 4)
    expected = 0.6 * smoothed(3, 4) + 0.4 * 0.5
    assert score(agent) == pytest.approx(expected, abs=1e-3)


def test_share_of_pipelines_passed(make_agent, repo, make_user):
    agent, _ = make_agent()
    me = actor_for_agent(agent)
    runner = actor_for_agent(make_agent()[0])  # another agent ran the jobs; triggered_by decides
    for pid in (1, 2, 3):
        pipeline_event(runner, repo, pid, "running", me)
        pipeline_event(runner, repo, pid, "success", me)
    pipeline_event(runner, repo, 4, "failed", me)
    pipeline_event(runner, repo, 5, "canceled", me)  # not an outcome
    pipeline_event(runner, repo, 6, "running", me)  # not finished
    other = actor_for_user(make_user())
    pipeline_event(runner, repo, 7, "failed", other)  # someone else's pipeline
    expected = 0.6 * 0.5 + 0.4 * smoothed(3, 4)
    assert score(agent) == pytest.approx(expected, abs=1e-3)


def test_only_prs_the_agent_opened_count(make_agent, repo, make_user, make_repo):
    agent, _ = make_agent()
    me, user = actor_for_agent(agent), actor_for_user(make_user())
    other_repo = make_repo(repo.namespace, "other")
    pr_event(me, repo, "opened", 1, days_ago=1)
    pr_event(user, repo, "opened", 2, days_ago=1)
    pr_event(user, repo, "merged", 2)  # not the agent's PR
    pr_event(user, other_repo, "merged", 1)  # same number, another repository
    pr_event(user, repo, "closed", 1)
    assert score(agent) == pytest.approx(0.6 * smoothed(0, 1) + 0.2, abs=1e-3)


def test_open_prs_are_judged_after_a_week(make_agent, repo):
    agent, _ = make_agent()
    me = actor_for_agent(agent)
    pr_event(me, repo, "opened", 1, days_ago=2)  # still pending: not counted
    assert score(agent) == 0.5
    pr_event(me, repo, "opened", 2, days_ago=8)  # open for over a week: counts as not merged
    weight = 0.5 ** (8 / 90)  # evidence dated when the PR was opened
    assert score(agent) == pytest.approx(0.6 * 1 / (weight + 2) + 0.2, abs=1e-3)


def test_closed_then_reopened_then_merged_is_merged(make_agent, repo, make_user):
    agent, _ = make_agent()
    me, user = actor_for_agent(agent), actor_for_user(make_user())
    pr_event(me, repo, "opened", 1, days_ago=3)
    pr_event(user, repo, "closed", 1, days_ago=2)
    pr_event(user, repo, "reopened", 1, days_ago=1)
    pr_event(user, repo, "merged", 1)
    pr_event(user, repo, "closed", 1)  # a late close after the merge changes nothing
    assert score(agent) == pytest.approx(0.6 * smoothed(1, 1) + 0.2, abs=1e-3)


def test_a_good_record_beats_a_bad_one(make_agent, repo, make_user):
    good, _ = make_agent()
    bad, _ = make_agent()
    user = actor_for_user(make_user())
    for n in range(1, 11):
        pr_event(actor_for_agent(good), repo, "opened", n, days_ago=1)
        pr_event(user, repo, "merged", n)
        pipeline_event(user, repo, n, "success", actor_for_agent(good))
    for n in range(11, 21):
        pr_event(actor_for_agent(bad), repo, "opened", n, days_ago=1)
        pr_event(user, repo, "closed", n)
        pipeline_event(user, repo, n, "failed", actor_for_agent(bad))
    assert score(good) > 0.85 and score(bad) < 0.15
    assert 0.0 <= score(bad) < 0.5 < score(good) <= 1.0


def test_idle_agents_decay_towards_one_half(make_agent, repo, make_user):
    agent, _ = make_agent()
    me, user = actor_for_agent(agent), actor_for_user(make_user())
    for n in range(1, 11):
        pr_event(me, repo, "opened", n, days_ago=400)
        pr_event(user, repo, "merged", n, days_ago=400)
    stale = score(agent)
    fresh = reputation.compute_reputation(agent, now=NOW - timedelta(days=400))
    assert fresh == pytest.approx(0.6 * smoothed(10, 10) + 0.2, abs=1e-3)  # no pipelines: neutral 0.5
    assert 0.5 < stale < 0.6  # a year idle: the old record has faded (half-life 90 days)
    half = reputation.compute_reputation(agent, now=NOW - timedelta(days=310))  # 90 days after
    weight = 0.5
    assert half == pytest.approx(0.6 * (10 * weight + 1) / (10 * weight + 2) + 0.2, abs=1e-3)


def test_recompute_stores_score_and_last_audited(make_agent, repo, make_user, make_token, api):
    agent, _ = make_agent()
    operator = agent.operator
    pr_event(actor_for_agent(agent), repo, "opened", 1, days_ago=1)
    pr_event(actor_for_user(make_user()), repo, "merged", 1)
    reputation.recompute_reputation(agent, now=NOW)
    agent.refresh_from_db()
    assert agent.reputation_score == pytest.approx(0.6 * smoothed(1, 1) + 0.2, abs=1e-3)
    assert agent.last_audited == NOW
    body = api(make_token(operator)).get(f"/agents/{agent.pk}").json()
    assert body["reputation_score"] == agent.reputation_score
    assert body["last_audited"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_management_command(make_agent, repo, make_user):
    agent, _ = make_agent(name="cmd-bot")
    other, _ = make_agent()
    pr_event(actor_for_agent(agent), repo, "opened", 1, days_ago=1)
    pr_event(actor_for_user(make_user()), repo, "merged", 1)
    out = StringIO()
    call_command("recompute_reputation", "cmd-bot", stdout=out)
    assert out.getvalue().startswith("cmd-bot: 0.")
    assert Agent.objects.get(pk=other.pk).last_audited is None
    call_command("recompute_reputation", stdout=out)
    assert Agent.objects.filter(last_audited__isnull=True).count() == 0
    with pytest.raises(Exception):
        call_command("recompute_reputation", "no-such-bot", stdout=out)


def test_task_recomputes_everyone(make_agent):
    from agents.tasks import recompute_reputations

    make_agent()
    make_agent()
    assert recompute_reputations.call() == 2
    assert not Agent.objects.filter(last_audited__isnull=True).exists()


def test_outcome_events_enqueue_a_recompute_after_commit(make_agent, repo, make_user, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    from django.db import transaction

    from agents import tasks
    from kizuna.events.log import emit_event

    enqueued = []
    real_task = tasks.recompute_reputation_for_event

    class FakeTask:
        @staticmethod
        def enqueue(event_id):
            enqueued.append(event_id)

    monkeypatch.setattr(tasks, "recompute_reputation_for_event", FakeTask)
    agent, _ = make_agent()
    me, user = actor_for_agent(agent), actor_for_user(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            emit_event(type="pull_request.opened", actor=me, repository=repo, payload={"pull_request": {"number": 1}})
            running = emit_event(type="pipeline.status_changed", actor=user, repository=repo,
                                 payload={"pipeline": {"id": 1, "status": "running", "triggered_by": me.as_json()}})
    assert enqueued == []  # neither is an outcome
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            merged = emit_event(type="pull_request.merged", actor=user, repository=repo, payload={"pull_request": {"number": 1}})
            passed = emit_event(type="pipeline.status_changed", actor=user, repository=repo,
                                payload={"pipeline": {"id": 1, "status": "success", "triggered_by": me.as_json()}})
    assert enqueued == [merged.pk, passed.pk] and running.pk not in enqueued
    # The task recomputes the PR's opener and the pipeline's trigger.
    assert real_task.call(merged.pk) == [str(agent.pk)]
    agent.refresh_from_db()
    assert agent.last_audited is not None and agent.reputation_score > 0.5
    assert real_task.call(passed.pk) == [str(agent.pk)]
    user_pr = emit_event_outside(user, repo)
    assert real_task.call(user_pr.pk) == []
    assert real_task.call(10**9) == []


def emit_event_outside(actor, repo):
    pr_event(actor, repo, "opened", 2)
    return pr_event(actor, repo, "merged", 2)


def test_real_enqueue_with_the_configured_backend(make_agent, repo, make_user, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from django.conf import settings

    from kizuna.events.log import emit_event

    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        pytest.skip("another task backend is configured")
    agent, _ = make_agent()
    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            emit_event(type="pipeline.status_changed", actor=actor_for_user(make_user()), repository=repo,
                       payload={"pipeline": {"id": 9, "status": "failed", "triggered_by": actor_for_agent(agent).as_json()}})
    assert DBTaskResult.objects.count() == before + 1
