"""The agent job protocol (docs/api.md §11): claim with its long-poll, leases and their sweep, heartbeat
and completion, and the job token a claim mints (rollup.revoke_job_token revokes it when the job stops)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kizuna import pubsub
from kizuna.accounts.actors import actor_for_agent
from kizuna.accounts.models import Token
from kizuna.accounts.services import JOB_TOKEN_PREFIX, job_token_create, job_token_unsaved
from kizuna.api.errors import Conflict, NotFound, ValidationFailed
from kizuna.policy import job_repos_compiled_q, job_repos_q
from kizuna.statements import Literal, Param, Update, insert_select, inserted, statement

from ..models import Job, Status
from .rollup import advance, job_event, lock_pipeline, pipeline_started, revoke_job_token

MAX_ATTEMPTS = 3
MAX_WAIT_SECONDS = 30


def lease_seconds() -> int:
    return int(settings.KIZUNA_JOB_LEASE_SECONDS)


def _claimable(eligible):
    """Jobs waiting for an agent in the repositories `eligible` (the policy's Q) lets it run. The status
    is written into the SQL (`Literal`) so that even a prepared statement's generic plan picks the
    oldest through the partial index `job_claimable`, not by sorting the whole queue."""
    return Job.objects.filter(status=Literal(Status.PENDING), runnable=True).filter(eligible)


_WITH_PIPELINE = ("pipeline__repository__namespace", "pipeline__triggered_by")
# The claim's pick joins the job's own repository and namespace for the policy's filter; selecting the
# pipeline's repository through the same join (a pipeline's jobs are in its repository) keeps the pick at
# five tables, not seven: PostgreSQL plans it on every claim, and seven cost it ~1.4 ms more each time.
_PICK_RELATED = ("repository__namespace", "pipeline__triggered_by")
# The columns a claim reads — its answer (serializers.claimed_job_data), its event (rollup.job_event and the
# webhook body's repository summary) and the pipeline's start — and no more: every column of the row is
# converted in Python on every claim, and the 30 columns left out (13 timestamps, 2 JSON) were 9 % of a
# claim's instructions (docs/benchmarks.md "A claim's columns"). tests/pipelines/test_claim_queries.py counts the
# statements of a whole claim request, so a column read but not listed here fails it (a deferred load).
_PICK_COLUMNS = (
    "pipeline", "repository", "name", "status", "steps", "env", "timeout", "agent", "attempt", "exit_code", "log_size",
    "pipeline__repository", "pipeline__number", "pipeline__status", "pipeline__ref", "pipeline__sha",
    "pipeline__trigger", "pipeline__triggered_by", "pipeline__variables",
    *(f"pipeline__triggered_by__{f}" for f in ("type", "login", "user", "agent", "deploy_token")),
    "repository__namespace", "repository__name", "repository__namespace__login", "repository__namespace__kind",
)


def _pick(agent) -> tuple:
    """The claim's pick, compiled once per shape of the policy's filter: (statement, values)."""
    shape, eligible, values = job_repos_compiled_q(agent, "repository__")

    def build():
        return (_claimable(eligible()).order_by("id").select_related(*_PICK_RELATED).only(*_PICK_COLUMNS)
                .select_for_update(skip_locked=True, of=("self",))[:1])

    return statement(("pipelines.claim_pick", shape), build, values), values


def _token_expiry_base(now):
    """A job token outlives its job's timeout by a lease and five minutes (the runner's last upload)."""
    return now + timedelta(seconds=lease_seconds() + 300)


def _take_and_start(agent, now, lease) -> tuple[Job, object, str] | None:
    """PostgreSQL: the whole claim's write in ONE statement — the locked pick (FOR UPDATE SKIP LOCKED:
    claimers never wait for each other's rows), the job token's INSERT and the job's UPDATE as
    data-modifying `WITH` queries — returning the job with its pipeline and repository and the token's
    id. Three round trips were one each, and each cost a context switch on a busy machine.

    (job, token, raw token) with the job as it now is; None when nothing is claimable."""
    pick, values = _pick(agent)
    if pick.sql is None:  # the policy lets this agent run nothing
        return None
    token, raw = job_token_unsaved()
    c = pick.column
    derived = {  # the token's columns that come from the claimed row ("picked")
        "job_id": (f"picked.c{c('id')}", []),
        "repository_id": (f"picked.c{c('repository_id')}", []),
        "name": (f"CONCAT(CAST(%s AS text), picked.c{c('id')})", [JOB_TOKEN_PREFIX]),
        "expires_at": (f"CAST(%s AS timestamptz) + make_interval(secs => picked.c{c('timeout')})",
                       [_token_expiry_base(now)]),
    }
    token_sql, token_params = insert_select(token, "picked", derived)

    def wrap(pick_sql, pick_params):
        sql = _claim_sql.get((pick_sql, token_sql))
        if sql is None:  # once per shape of the pick (the policy's filter) and process
            sql = _claim_sql[(pick_sql, token_sql)] = _claim_statement(pick_sql, pick.width, c("id"), token_sql)
        agent_id = Job._meta.get_field("agent").get_db_prep_save(agent.pk, connection=connection)
        return sql, [*pick_params, *token_params, agent_id, now, lease]

    rows = pick.rows(values, wrap=wrap)
    if not rows:
        return None
    claimed = pick.build(rows)[0]
    claimed.pipeline.repository = claimed.repository
    token.job_id, token.repository, token.name = claimed.pk, claimed.repository, f"{JOB_TOKEN_PREFIX}{claimed.pk}"
    token.expires_at = _token_expiry_base(now) + timedelta(seconds=claimed.timeout)
    inserted(token, rows[0][-1])
    claimed.status, claimed.agent, claimed.started_at, claimed.lease_expires_at, claimed.job_token = (
        Status.RUNNING, agent, now, lease, token)
    return claimed, token, raw


_claim_sql: dict = {}  # (pick's SQL, token INSERT's SQL) → the claim statement's SQL


def _claim_statement(pick_sql: str, width: int, id_column: int, token_sql: str) -> str:
    """The one claim statement around the compiled pick: its `width` columns named c0… in `picked`."""
    q, job, token_pk = connection.ops.quote_name, Job._meta, connection.ops.quote_name(Token._meta.pk.column)
    column = {name: q(job.get_field(name).column) for name in ("status", "agent", "started_at", "lease_expires_at",
                                                               "job_token", "id")}
    return (f"WITH picked ({', '.join(f'c{i}' for i in range(width))}) AS MATERIALIZED ({pick_sql}), "
            f"new_token AS ({token_sql}), "
            f"started AS (UPDATE {q(job.db_table)} SET {column['status']} = '{Status.RUNNING}', "
            f"{column['agent']} = %s, {column['started_at']} = %s, {column['lease_expires_at']} = %s, "
            f"{column['job_token']} = new_token.{token_pk} FROM picked, new_token "
            f"WHERE {q(job.db_table)}.{column['id']} = picked.c{id_column}) "
            f"SELECT picked.*, new_token.{token_pk} FROM picked, new_token")


def _take_next(agent, now, lease) -> Job | None:
    """The oldest claimable job, now ours until the transaction ends; None when there is none.

    PostgreSQL: one SELECT … FOR UPDATE SKIP LOCKED that also brings the pipeline and repository the
    token and the event need (claimers never wait for each other's rows), compiled once per shape of the
    policy's filter (kizuna.statements): building and compiling this 7-table join was the claim's
    dearest Python. SQLite (and any backend without SKIP LOCKED): a conditional UPDATE decides who wins,
    then the winner reads its job.
    """
    if connection.vendor == "postgresql":
        pick, values = _pick(agent)
        found = pick.instances(values)
        if not found:
            return None
        job = found[0]
        job.pipeline.repository = job.repository
        return job
    claimable = _claimable(job_repos_q(agent, "repository__")).order_by("id")
    for candidate in claimable.values_list("pk", flat=True)[:20]:
        if Job.objects.filter(pk=candidate, status=Status.PENDING, runnable=True).update(
                status=Status.RUNNING, agent=agent, started_at=now, lease_expires_at=lease):
            return Job.objects.select_related(*_WITH_PIPELINE).get(pk=candidate)
    return None


def _claim_once(agent) -> tuple[Job, str] | None:
    """Take the oldest claimable job, exactly once across every process; None when there is none.

    One short transaction on PostgreSQL: the locked pick, the token's INSERT, one UPDATE of the job
    (status, lease and token together), the actors' look-up (once per agent object), the event and its
    webhook deliveries. The pipeline's pending → running follows in its own transaction (see the
    package's locking order), only for a pipeline's first claim.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        if connection.vendor == "postgresql" and settings.KIZUNA_COMPILED_STATEMENTS:
            claimed = _take_and_start(agent, now, lease)
            if claimed is None:
                return None
            job, token, raw = claimed
        else:
            job = _take_next(agent, now, lease)
            if job is None:
                return None
            token, raw = job_token_create(job_id=job.pk, repository=job.pipeline.repository,
                                          expires_at=_token_expiry_base(now) + timedelta(seconds=job.timeout))
            _start(job.pk, agent, now, lease, token.pk)
            job.status, job.agent, job.started_at, job.lease_expires_at, job.job_token = (
                Status.RUNNING, agent, now, lease, token)
        actor = actor_for_agent(agent)
        job_event(job, job.pipeline, actor)
    if job.pipeline.status == Status.PENDING:  # a claim can only move a pipeline from pending to running
        job.pipeline = pipeline_started(job.pipeline, actor)
    return job, raw


def _start(job_id: int, agent, now, lease, token_id: int) -> None:
    """The claimed job's one UPDATE — running, its agent, lease and token — compiled once per process."""
    values = {"job": job_id, "agent": agent.pk, "now": now, "lease": lease, "token": token_id}

    def build():
        return Update(Job.objects.filter(pk=Param("job", job_id)), status=Status.RUNNING,
                      agent=Param("agent", agent.pk, Job._meta.get_field("agent").target_field),
                      started_at=Param("now", now), lease_expires_at=Param("lease", lease),
                      job_token=Param("token", token_id))

    statement(("pipelines.claim_start",), build, values).execute(values)


# Leases are swept when a claim finds nothing (an expired job then goes out at once) and, while the
# queue is never empty, at most once per SWEEP_EVERY_LEASE-th of a lease per process: not on every claim,
# where the sweep's SELECT was a fifth of the claim's statements. `sweep_job_leases` (cron) covers idle systems.
SWEEP_EVERY_LEASE = 4
_next_sweep = 0.0  # time.monotonic() of this process's next sweep before a claim


def _sweep_if_due() -> None:
    global _next_sweep
    now = time.monotonic()
    if now >= _next_sweep:
        _next_sweep = now + lease_seconds() / SWEEP_EVERY_LEASE  # racing threads at worst sweep twice: harmless
        sweep_expired_leases()


def job_claim(*, agent, wait: int = 0) -> tuple[Job, str] | None:
    """Claim a job, long-polling up to `wait` seconds.

    Each attempt is a short transaction; between attempts the caller waits with a growing backoff
    (50 ms up to 1 s) — no transaction is held and no loop spins. With Redis configured the wait also
    ends as soon as a job is queued anywhere (pub/sub on JOBS_CHANNEL).
    """
    deadline = time.monotonic() + wait
    delay = 0.05
    wakeups = pubsub.subscribe(JOBS_CHANNEL) if wait > 0 else pubsub.Subscription()
    try:
        _sweep_if_due()
        while True:
            claimed = _claim_once(agent)
            if claimed is None and sweep_expired_leases():
                claimed = _claim_once(agent)
            remaining = deadline - time.monotonic()
            if claimed is not None or remaining <= 0:
                return claimed
            wakeups.wait(min(delay, remaining))
            delay = min(delay * 2, 1.0)
    finally:
        wakeups.close()


JOBS_CHANNEL = "kizuna:pipelines:jobs"  # Redis: "a job was queued"


def notify_jobs_available() -> None:
    """After commit: wake long-polling claimers (Redis pub/sub when configured; otherwise they poll)."""
    pubsub.publish(JOBS_CHANNEL, b"1")


def _expired(now):
    """Running jobs whose lease ran out, through the partial index `job_running_lease` (see _claimable)."""
    return Job.objects.filter(status=Literal(Status.RUNNING), lease_expires_at__lt=now)


def sweep_expired_leases(now=None) -> int:
    """Re-queue running jobs whose lease ran out (attempt + 1); fail them after MAX_ATTEMPTS."""
    now = now or timezone.now()
    expired = list(_expired(now).values_list("pk", "pipeline_id")[:100])
    count = 0
    for job_id, pipeline_id in expired:
        with transaction.atomic():
            pipeline = lock_pipeline(pipeline_id)
            job = Job.objects.select_for_update(of=("self",)).select_related("agent").filter(
                pk=job_id, status=Status.RUNNING, lease_expires_at__lt=now).first()
            if job is None:
                continue
            actor = actor_for_agent(job.agent) if job.agent_id else pipeline.triggered_by
            revoke_job_token(job)
            if job.attempt >= MAX_ATTEMPTS:
                job.status, job.finished_at, job.lease_expires_at = Status.FAILED, now, None
                Job.objects.filter(pk=job.pk).update(status=Status.FAILED, finished_at=now, lease_expires_at=None)
            else:
                job.status, job.attempt, job.lease_expires_at = Status.PENDING, job.attempt + 1, None
                Job.objects.filter(pk=job.pk).update(
                    status=Status.PENDING, attempt=job.attempt, agent=None, lease_expires_at=None, started_at=None,
                    job_token=None, exit_code=None)
                transaction.on_commit(notify_jobs_available)
            job_event(job, pipeline, actor)
            if job.status == Status.PENDING:
                job.agent = None
            advance(pipeline, actor)
            count += 1
    return count


def held_job(agent, job_id: int, *, lock: bool = False) -> Job:
    qs = Job.objects.select_related("pipeline__repository__namespace", "pipeline__triggered_by", "agent")
    if lock:
        qs = qs.select_for_update(of=("self",))
    job = qs.filter(pk=job_id, agent=agent).first()
    if job is None:
        raise NotFound("No such job held by this agent")
    return job


def job_heartbeat(*, agent, job_id: int) -> str:
    """Extend the lease of a running job; the answer's status tells the agent to stop when not running."""
    lease = timezone.now() + timedelta(seconds=lease_seconds())
    updated = Job.objects.filter(pk=job_id, agent=agent, status=Status.RUNNING).update(lease_expires_at=lease)
    if updated:
        return Status.RUNNING
    return held_job(agent, job_id).status


def job_finish(*, agent, job_id: int, status: str, exit_code: int | None) -> Job:
    if status not in (Status.SUCCESS, Status.FAILED):
        raise ValidationFailed({"status": ["must be 'success' or 'failed'"]})
    with transaction.atomic():
        pipeline_id = Job.objects.filter(pk=job_id, agent=agent).values_list("pipeline_id", flat=True).first()
        if pipeline_id is None:
            raise NotFound("No such job held by this agent")
        pipeline = lock_pipeline(pipeline_id)
        job = held_job(agent, job_id, lock=True)
        if job.status != Status.RUNNING:
            raise Conflict(f"Job already finished ({job.status})", details={"status": job.status})
        now = timezone.now()
        job.status, job.exit_code, job.finished_at, job.lease_expires_at = status, exit_code, now, None
        Job.objects.filter(pk=job.pk).update(status=status, exit_code=exit_code, finished_at=now, lease_expires_at=None)
        revoke_job_token(job)
        actor = actor_for_agent(agent)
        job_event(job, pipeline, actor)
        advance(pipeline, actor)
        transaction.on_commit(notify_jobs_available)
        job.pipeline = pipeline
        return job
