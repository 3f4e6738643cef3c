import threading
from collections import Counter

import pytest
from django.db import connection

from kizuna import pubsub
from kizuna.accounts.actors import actor_for_user
from pipelines import services
from pipelines.services import jobs as job_protocol
from pipelines.models import Job, Pipeline, Status

from .conftest import commit_files


def _queue_jobs(repo, actor, pipelines: int, per_pipeline: int) -> list[int]:
    sha = commit_files(repo, {"x": "1"})
    ids = []
    for n in range(pipelines):
        pipeline = Pipeline.objects.create(repository=repo, number=n + 1, ref="main", sha=sha, trigger="api", triggered_by=actor)
        jobs = Job.objects.bulk_create([
            Job(pipeline=pipeline, repository=repo, name=f"j{i}", steps=[{"run": "true"}], runnable=True)
            for i in range(per_pipeline)
        ])
        ids += [j.pk for j in jobs]
    return ids


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_1000_jobs_16_claimers_each_claimed_exactly_once(world, make_agent):
    job_ids = _queue_jobs(world.private, actor_for_user(world.writer), pipelines=10, per_pipeline=100)
    agents = [make_agent(world.writer)[0] for _ in range(16)]
    claimed: list[list[int]] = [[] for _ in agents]
    errors = []
    start = threading.Barrier(len(agents))

    def claimer(index):
        try:
            start.wait()
            while True:
                result = job_protocol._claim_once(agents[index])
                if result is None:
                    return
                claimed[index].append(result[0].pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    everything = [pk for ids in claimed for pk in ids]
    duplicates = [pk for pk, n in Counter(everything).items() if n > 1]
    assert not duplicates
    assert sorted(everything) == sorted(job_ids)
    assert sum(1 for ids in claimed if ids) > 1  # the work really was shared
    assert Job.objects.filter(status=Status.RUNNING).count() == 1000
    assert set(Job.objects.values_list("agent_id", flat=True)) <= {a.pk for a in agents}
    assert set(Pipeline.objects.values_list("status", flat=True)) == {Status.RUNNING}
    from kizuna.accounts.models import Token

    tokens = {t.job_id: t for t in Token.objects.filter(kind="job")}  # one per job, linked both ways
    assert len(tokens) == Token.objects.filter(kind="job").count() == 1000
    for job_id, token_id in Job.objects.values_list("pk", "job_token_id"):
        assert tokens[job_id].pk == token_id and tokens[job_id].name == f"job-{job_id}"


@pytest.mark.django_db
def test_long_poll_gets_a_job_that_arrives_while_waiting(world, ci_repo, runner_agent, monkeypatch, settings):
    """`wait` sleeps between short claim attempts; a job queued meanwhile is handed out."""
    sleeps, depths = [], []
    baseline = len(connection.atomic_blocks)  # the test's own wrapping transaction

    def fake_sleep(seconds):
        sleeps.append(seconds)
        depths.append(len(connection.atomic_blocks))
        if len(sleeps) == 2:
            services.pipeline_trigger(repo=ci_repo, actor=actor_for_user(world.writer))

    settings.REDIS_URL = ""  # the polling path, also where Redis is configured
    monkeypatch.setattr(job_protocol.time, "sleep", fake_sleep)
    claimed = services.job_claim(agent=runner_agent[0], wait=30)
    assert claimed is not None and claimed[0].name == "test"
    assert sleeps[:2] == [0.05, 0.1]  # backoff, not a busy loop
    assert set(depths) == {baseline}  # no transaction is held while waiting


@pytest.mark.django_db
def test_long_poll_gives_up_after_wait(runner_agent, monkeypatch, settings):
    clock = [0.0]
    settings.REDIS_URL = ""
    monkeypatch.setattr(job_protocol.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(job_protocol.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    assert services.job_claim(agent=runner_agent[0], wait=3) is None
    assert clock[0] == pytest.approx(3.0)


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_wakeup_ends_the_wait(runner_agent, monkeypatch, settings):
    """With Redis, a queued job wakes a waiting claimer through pub/sub instead of the poll interval."""
    calls, woken, timers = [], [], []
    real_wait = pubsub.Subscription.wait

    def fake_claim(agent):
        calls.append(1)
        if woken:
            return ("job", "token")
        timers.append(threading.Timer(0.2, services.notify_jobs_available))  # no database in that thread
        timers[-1].start()
        return None

    def spy_wait(subscription, seconds):
        assert subscription.pubsub is not None
        result = real_wait(subscription, 5)  # long enough that only the publish can end it early
        woken.append(result)
        return result

    monkeypatch.setattr(job_protocol, "_claim_once", fake_claim)
    monkeypatch.setattr(pubsub.Subscription, "wait", spy_wait)
    monkeypatch.setattr(job_protocol.time, "sleep", lambda s: pytest.fail("polled instead of waiting on pub/sub"))
    try:
        assert services.job_claim(agent=runner_agent[0], wait=30) == ("job", "token")
        assert woken == [True] and len(calls) == 2
    finally:  # a wake-up by another process's message leaves this test's own publish pending: not after it
        for timer in timers:
            timer.cancel()
            timer.join()
