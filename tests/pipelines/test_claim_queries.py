"""A claim's statements, counted: what 16 runners claiming at once pay per job (docs/benchmarks.md "Pipelines")."""

import pytest
from django.db import connection

from agents.models import Agent
from kizuna.accounts.actors import actor_for_user
from pipelines import services
from pipelines.models import Job, Pipeline
from pipelines.services import jobs as job_protocol

from .conftest import commit_files

TWO_JOBS = """
jobs:
  a:
    steps:
      - run: echo a
  b:
    steps:
      - run: echo b
"""

# In a test each of the claim's transactions is a savepoint: SAVEPOINT and RELEASE are 2 statements more.
SAVEPOINT = 2
# PostgreSQL: one statement locks the job with its pipeline and repository (FOR UPDATE SKIP LOCKED),
# writes its token and starts it; then the event's INSERT, which also says that the repository has no
# webhooks (no SELECT of them). The agent's and its operator's actors came joined with the agent from
# the token look-up. SQLite first wins the job with a conditional UPDATE (the candidates' SELECT and
# that UPDATE), reads it, then writes the token and the job's UPDATE.
CLAIM = {"postgresql": 2, "sqlite": 6}
ACTORS = 1  # the actors' SELECT, for an agent loaded without them
# A pipeline's first claim also moves it from pending to running, in its own transaction: its conditional
# UPDATE and the pipeline.status_changed event — its jobs are not read (rollup.pipeline_started).
PIPELINE_STARTS = 2


@pytest.fixture(autouse=True)
def compiled_statements(settings):
    """The counts and plans below are the compiled path's (KIZUNA_COMPILED_STATEMENTS=false claims in
    separate statements, as SQLite does)."""
    settings.KIZUNA_COMPILED_STATEMENTS = True


def fresh(agent):
    """The agent as the claim endpoint's token authentication loads it (RELATED_BY_KIND)."""
    from kizuna.accounts.models import Token
    from kizuna.api.authentication import RELATED_BY_KIND

    return Agent.objects.select_related(*(r.removeprefix("agent__") for r in RELATED_BY_KIND[Token.Kind.AGENT])).get(pk=agent.pk)


@pytest.fixture
def two_jobs(world, runner_agent, monkeypatch):
    commit_files(world.private, {".kizuna/pipeline.yml": TWO_JOBS})
    pipeline = services.pipeline_trigger(repo=world.private, ref="main", actor=actor_for_user(world.writer))
    monkeypatch.setattr(job_protocol, "_next_sweep", float("inf"))  # the periodic lease sweep is not due
    return pipeline


def test_claim_query_count(two_jobs, runner_agent, django_assert_num_queries):
    per_claim = CLAIM[connection.vendor] + SAVEPOINT
    agent = fresh(runner_agent[0])
    with django_assert_num_queries(per_claim + PIPELINE_STARTS + SAVEPOINT):
        first, _ = services.job_claim(agent=agent, wait=0)
    agent = fresh(runner_agent[0])
    with django_assert_num_queries(per_claim):
        second, _ = services.job_claim(agent=agent, wait=0)
    assert {first.name, second.name} == {"a", "b"}
    assert Pipeline.objects.get(pk=two_jobs.pk).status == "running"
    assert first.agent.actor.login == runner_agent[0].name
    for job in Job.objects.filter(pipeline=two_jobs).select_related("job_token"):
        assert job.status == "running" and job.job_token.job_id == job.pk and job.job_token.scopes == ["read"]


def test_an_agent_loaded_without_its_actors_looks_them_up_once(two_jobs, runner_agent, django_assert_num_queries):
    agent = Agent.objects.select_related("operator").get(pk=runner_agent[0].pk)
    with django_assert_num_queries(CLAIM[connection.vendor] + ACTORS + SAVEPOINT + PIPELINE_STARTS + SAVEPOINT):
        services.job_claim(agent=agent, wait=0)


def test_the_agent_token_look_up_brings_both_actors(runner_agent, django_assert_num_queries):
    from kizuna.accounts.actors import actor_for_agent, operator_actor_of
    from kizuna.api.authentication import lookup_token

    agent, raw = runner_agent[0], runner_agent[1]
    actor_for_agent(agent)  # the rows exist
    principal, _ = lookup_token(raw)
    with django_assert_num_queries(0):
        actor = actor_for_agent(principal)
        assert (actor.agent_id, operator_actor_of(actor).user_id) == (agent.pk, agent.operator_id)


def test_empty_queue_sweeps_then_claims_the_requeued_job(two_jobs, runner_agent):
    """No sweep before each claim; a claim that finds nothing sweeps and tries once more."""
    from datetime import timedelta

    from django.utils import timezone

    services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    expired = Job.objects.filter(pipeline=two_jobs).order_by("id").first()
    Job.objects.filter(pk=expired.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    claimed, _ = services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    assert claimed.pk == expired.pk and claimed.attempt == 2


def generic_plan(queryset=None, sql=None, params=()) -> str:
    """EXPLAIN of `queryset` (or `sql` with `params`) as a prepared statement's generic plan — what
    PostgreSQL runs once a connection has prepared it (KIZUNA_DB_PREPARE_THRESHOLD) — with sequential
    scans priced out, so the plan names an index whenever the query's text lets one serve. Nothing runs:
    a data-modifying statement is only planned."""
    import re

    if queryset is not None:
        sql, params = queryset.query.sql_with_params()
    count = iter(range(1, len(params) + 1))
    sql = re.sub(r"%s", lambda _: f"${next(count)}", sql.replace("%%", "%"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE kizuna_plan AS {sql}")
        try:
            # The values as literals: with server-side binding (KIZUNA_DB_PREPARE_THRESHOLD) a bound
            # EXECUTE argument has no type PostgreSQL could infer.
            cursor.execute(connection.ops.compose_sql(
                f"EXPLAIN EXECUTE kizuna_plan({', '.join(['%s'] * len(params))})", params))
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE kizuna_plan")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements' generic plans: PostgreSQL")
def test_prepared_claim_and_sweep_use_their_partial_indexes(world, runner_agent):
    """A generic plan cannot use a partial index whose predicate hangs on a bound value: the pick would
    sort the whole queue on every claim. The statuses are written into the SQL (statements.Literal)."""
    from django.utils import timezone

    from kizuna.policy import job_repos_q

    pick = (job_protocol._claimable(job_repos_q(runner_agent[0], "repository__")).order_by("id")
            .select_related(*job_protocol._PICK_RELATED).select_for_update(skip_locked=True, of=("self",))[:1])
    assert "job_claimable" in generic_plan(pick)
    assert "Seq Scan" not in generic_plan(pick)
    assert "job_running_lease" in generic_plan(job_protocol._expired(timezone.now()).values_list("pk", "pipeline_id")[:100])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement claim: PostgreSQL")
def test_the_one_claim_statement_picks_through_the_partial_index(two_jobs, runner_agent):
    """The claim as it runs (pick, token and job's UPDATE in one statement), as a generic plan."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    (sql, params), = [(sql, params) for sql, params in seen if "new_token" in sql]
    plan = generic_plan(sql=sql, params=params)
    assert "job_claimable" in plan and "Seq Scan on pipelines_job" not in plan, plan


def test_the_claimed_job_token_is_the_row_a_token_create_would_write(two_jobs, runner_agent):
    """The one-statement claim writes the token as job_token_create does: same columns, same expiry."""
    from datetime import timedelta

    from kizuna.accounts import tokens as token_format
    from kizuna.accounts.models import Token

    job, raw = services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    token = Token.objects.get(pk=job.job_token.pk)
    assert Job.objects.get(pk=job.pk).job_token_id == token.pk
    assert (token.kind, token.name, token.scopes, token.job_id, token.repository_id) == (
        "job", f"job-{job.pk}", ["read"], job.pk, two_jobs.repository_id)
    assert (token.user_id, token.agent_id, token.created_by_id, token.internal, token.revoked_at) == (
        None, None, None, False, None)
    assert token.digest == token_format.digest(raw) and token.hint == raw[:8]
    lease = timedelta(seconds=job_protocol.lease_seconds())
    assert token.expires_at == job.started_at + timedelta(seconds=job.timeout) + lease + timedelta(seconds=300)
    assert job.job_token.expires_at == token.expires_at and job.job_token.name == token.name
    assert job.lease_expires_at == job.started_at + lease
    stored = Job.objects.get(pk=job.pk)
    assert (stored.status, stored.agent_id, stored.started_at, stored.lease_expires_at) == (
        "running", runner_agent[0].pk, job.started_at, job.lease_expires_at)


def test_a_claim_request_reads_only_the_columns_its_pick_brings(two_jobs, runner_agent, api, world):
    """The pick loads only the columns a claim reads (jobs._PICK_COLUMNS): a column read anyway would be
    one more SELECT by primary key (a deferred load). The whole request is counted — the agent's token,
    the claim, its answer, and the event's webhook delivery, whose body reads the repository."""
    from django.test.utils import CaptureQueriesContext

    from kizuna.events import services as event_services
    from kizuna.events.models import WebhookDelivery

    event_services.webhook_create(actor=actor_for_user(world.admin), url="https://hooks.example.com/ci",
                                  events=["*"], repository=world.private)
    agent, token = runner_agent
    counted = []
    for _ in range(2):  # the first claim also starts the pipeline
        with CaptureQueriesContext(connection) as queries:
            response = api(token).post("/agent/jobs/claim", {"wait": 0})
        assert response.status_code == 201, response.json()
        counted.append(queries.captured_queries)
    body = response.json()
    assert body["repository"] == {"id": world.private.pk, "full_name": "w-org/priv"}
    assert body["pipeline"]["number"] == two_jobs.number and body["steps"] and body["log_offset"] == 0
    # The token; the savepoint (the request's transaction in a test), the claim and the event; the hooks
    # and the delivery; the release. Authentication's "last used" writes are not due on a second request.
    hooks = 2
    second = 1 + SAVEPOINT + CLAIM[connection.vendor] + hooks
    # The first also writes the agent's and the token's "last used", and starts the pipeline (its event
    # delivered too) in a transaction of its own.
    first = second + 2 + PIPELINE_STARTS + SAVEPOINT + hooks
    for sent, expected in zip(counted, (first, second)):
        assert len(sent) == expected, "\n".join(q["sql"][:200] for q in sent)
    delivery = WebhookDelivery.objects.filter(event_name="job").latest("id")
    assert '"full_name":"w-org/priv"' in delivery.body


def _starts(pipeline):
    from kizuna.events.models import Event

    return list(Event.objects.filter(type="pipeline.status_changed", payload__pipeline__id=pipeline.pk)
                .values_list("payload__pipeline__status", "payload__changes__status__from"))


def test_a_pipelines_first_claim_starts_it_once(two_jobs, runner_agent):
    """The first claim moves the pipeline to running with one event; the second claim, whose pick still
    saw it pending, changes nothing (rollup.pipeline_started's UPDATE is conditional)."""
    stale = Pipeline.objects.get(pk=two_jobs.pk)
    services.job_claim(agent=fresh(runner_agent[0]), wait=0)
    started = Pipeline.objects.get(pk=two_jobs.pk)
    assert (started.status, started.started_at is not None) == ("running", True)
    assert _starts(two_jobs) == [("running", "pending")]
    assert stale.status == "pending"
    assert job_protocol.pipeline_started(stale, actor_for_user(runner_agent[0].operator)).status == "pending"
    assert _starts(two_jobs) == [("running", "pending")]
    assert Pipeline.objects.get(pk=two_jobs.pk).started_at == started.started_at


def test_a_pipeline_canceled_before_its_claims_start_stays_canceled(two_jobs, runner_agent):
    stale = Pipeline.objects.get(pk=two_jobs.pk)
    services.pipeline_cancel(pipeline=two_jobs, actor=actor_for_user(runner_agent[0].operator))
    job_protocol.pipeline_started(stale, actor_for_user(runner_agent[0].operator))
    assert Pipeline.objects.get(pk=two_jobs.pk).status == "canceled"
    assert _starts(two_jobs) == [("canceled", "pending")]


def test_a_started_pipeline_instance_says_what_the_row_says(two_jobs, runner_agent):
    """An instance loaded whole (the SQLite path's) gets the start time the UPDATE wrote."""
    pipeline = Pipeline.objects.get(pk=two_jobs.pk)
    job_protocol.pipeline_started(pipeline, actor_for_user(runner_agent[0].operator))
    row = Pipeline.objects.get(pk=two_jobs.pk)
    assert (pipeline.status, pipeline.started_at, pipeline.updated_at) == (row.status, row.started_at, row.updated_at)
