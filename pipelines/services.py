"""Every write to pipelines and jobs: trigger, cancel, and the agent job protocol (docs/api.md §11).

Locking order (PostgreSQL): operations that change a pipeline's jobs lock the pipeline row first, then
job rows. A claim locks only the job it takes (`FOR UPDATE SKIP LOCKED`) and refreshes the pipeline's
status in a second, short transaction, so a claim never waits for a pipeline lock while holding a job.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kizuna import pubsub
from kizuna.accounts.models import Actor, Token
from kizuna.accounts.actors import actor_for_agent
from kizuna.accounts.services import token_create
from kizuna.api.errors import Conflict, NotFound, RangeNotSatisfiable, ValidationFailed
from kizuna.api.fields import api_path, is_digits
from kizuna.policy import job_repos_q
from kizuna.events.log import emit_event
from repos import git
from repos.services import next_pipeline_number

from . import conditions
from . import definition as pipeline_definition
from .models import FINAL, Job, JobLogChunk, Pipeline, Status, Trigger

logger = logging.getLogger("kizuna.pipelines")

MAX_ATTEMPTS = 3
MAX_WAIT_SECONDS = 30
ZERO_SHA = "0" * 40
VARIABLE_NAME_RE = pipeline_definition.ENV_NAME_RE


def lease_seconds() -> int:
    return int(settings.KIZUNA_JOB_LEASE_SECONDS)


def max_log_bytes() -> int:
    return int(settings.KIZUNA_JOB_LOG_MAX_BYTES)


# --- payloads (events) ---------------------------------------------------------------------------------
def pipeline_payload(pipeline: Pipeline) -> dict:
    return {
        "id": pipeline.pk, "number": pipeline.number, "status": pipeline.status, "ref": pipeline.ref,
        "sha": pipeline.sha, "trigger": pipeline.trigger,
        "triggered_by": pipeline.triggered_by.as_json() if pipeline.triggered_by_id else None,
        "url": api_path(pipeline.api_path()),
    }


def job_payload(job: Job) -> dict:
    return {"id": job.pk, "name": job.name, "status": job.status, "attempt": job.attempt, "exit_code": job.exit_code,
            "agent": {"id": str(job.agent_id), "login": job.agent.name, "type": "Agent"} if job.agent_id else None}


def _job_event(job: Job, pipeline: Pipeline, actor: Actor) -> None:
    emit_event(type="job.status_changed", actor=actor, repository=pipeline.repository,
               payload={"pipeline": pipeline_payload(pipeline), "job": job_payload(job)})


# --- definitions -----------------------------------------------------------------------------------------
def load_definition(repo, sha: str) -> pipeline_definition.Definition:
    """The validated definition at `sha`; ValidationFailed naming the problem otherwise."""
    raw = git.read_blob_at(repo.pk, sha, pipeline_definition.PATH)
    if raw is None:
        raise ValidationFailed({"definition": [f"{pipeline_definition.PATH} not found at {sha[:12]}"]},
                               message="No pipeline definition")
    try:
        return pipeline_definition.parse(raw)
    except pipeline_definition.DefinitionError as exc:
        raise ValidationFailed({"definition": exc.messages}, message="Invalid pipeline definition") from None


def clean_variables(variables) -> dict[str, str]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationFailed({"variables": ["must be an object of NAME: \"value\""]})
    errors = []
    for name, value in variables.items():
        if not VARIABLE_NAME_RE.match(str(name)):
            errors.append(f"{name}: not a valid name (letters, digits and _, not starting with a digit)")
        elif not isinstance(value, str):
            errors.append(f"{name}: must be a string")
        elif "\x00" in value:  # PostgreSQL's jsonb cannot store it, and no process environment can hold it
            errors.append(f"{name}: must not contain a NUL character")
    if errors:
        raise ValidationFailed({"variables": errors})
    return dict(variables)


# --- statuses ----------------------------------------------------------------------------------------------
def compute_status(statuses: list[str]) -> str:
    """A pipeline's status from its jobs' (docs/api.md §11): running while any job runs, then the worst final one.

    Worst first: failed, canceled, success; a pipeline whose jobs were all skipped is skipped.
    """
    if not statuses:
        return Status.SUCCESS
    if all(s in FINAL for s in statuses):
        for worst in (Status.FAILED, Status.CANCELED):
            if worst in statuses:
                return worst
        return Status.SKIPPED if all(s == Status.SKIPPED for s in statuses) else Status.SUCCESS
    if any(s == Status.RUNNING or s in FINAL for s in statuses):
        return Status.RUNNING
    return Status.PENDING


def _lock_pipeline(pipeline_id: int) -> Pipeline:
    return (Pipeline.objects.select_for_update(of=("self",))
            .select_related("repository__namespace", "triggered_by").get(pk=pipeline_id))


def _advance(pipeline: Pipeline, actor: Actor) -> None:
    """Make waiting jobs runnable or skipped as their needs settle, then refresh the pipeline's status.

    Runs with the pipeline row locked.
    """
    jobs = list(Job.objects.filter(pipeline=pipeline).order_by("id"))
    by_name = {job.name: job for job in jobs}
    now = timezone.now()
    changed = True
    while changed:
        changed = False
        for job in jobs:
            if job.status != Status.PENDING or job.runnable:
                continue
            needs = [by_name[n].status for n in job.needs if n in by_name]
            if any(s in (Status.FAILED, Status.CANCELED, Status.SKIPPED) for s in needs):
                skip = True
            elif all(s == Status.SUCCESS for s in needs):
                skip = not conditions.evaluate(
                    job.condition, ref=pipeline.ref, event=pipeline.trigger, variables=pipeline.variables or {}
                )
            else:
                continue
            if skip:
                job.status, job.finished_at = Status.SKIPPED, now
                Job.objects.filter(pk=job.pk).update(status=Status.SKIPPED, finished_at=now)
                _job_event(job, pipeline, actor)
                changed = True
            else:
                job.runnable = True
                Job.objects.filter(pk=job.pk).update(runnable=True)
    _set_pipeline_status(pipeline, [j.status for j in jobs], actor)


def _set_pipeline_status(pipeline: Pipeline, statuses: list[str], actor: Actor) -> None:
    new = compute_status(statuses)
    if new == Status.PENDING and pipeline.started_at is not None:
        new = Status.RUNNING  # a started pipeline whose job was re-queued stays running
    if new == pipeline.status:
        return
    now = timezone.now()
    fields = {"status": new, "updated_at": now}
    if new != Status.PENDING and pipeline.started_at is None:
        fields["started_at"] = now
    if new in FINAL:
        fields["finished_at"] = now
        fields.setdefault("started_at", pipeline.started_at or now)
    previous = pipeline.status
    for key, value in fields.items():
        setattr(pipeline, key, value)
    Pipeline.objects.filter(pk=pipeline.pk).update(**fields)
    emit_event(type="pipeline.status_changed", actor=actor, repository=pipeline.repository,
               payload={"pipeline": pipeline_payload(pipeline), "changes": {"status": {"from": previous}}})


def refresh_pipeline(pipeline_id: int, actor: Actor) -> Pipeline:
    with transaction.atomic():
        pipeline = _lock_pipeline(pipeline_id)
        _advance(pipeline, actor)
        return pipeline


# --- trigger and cancel ----------------------------------------------------------------------------------
def pipeline_trigger(*, repo, actor: Actor, ref: str | None = None, variables: dict | None = None,
                     trigger: str = Trigger.API, sha: str | None = None) -> Pipeline:
    """Create a pipeline for `ref` (default: the default branch) from the definition at its commit."""
    variables = clean_variables(variables)
    ref = ref or repo.default_branch
    if sha is None:
        sha = git.resolve_ref(repo.pk, ref)  # a branch, tag or sha; revision expressions are unknown refs
        if sha is None:
            raise ValidationFailed({"ref": [f"unknown ref {ref!r}"]}, message="Unknown ref")
    spec = load_definition(repo, sha)
    return _create(repo=repo, actor=actor, ref=ref, sha=sha, spec=spec, variables=variables, trigger=trigger)


@transaction.atomic
def _create(*, repo, actor: Actor, ref: str, sha: str, spec, variables: dict, trigger: str) -> Pipeline:
    now = timezone.now()
    pipeline = Pipeline.objects.create(
        repository=repo, number=next_pipeline_number(repo), ref=ref, sha=sha, trigger=trigger, triggered_by=actor,
        variables={**spec.variables, **variables}, created_at=now, updated_at=now,
    )
    Job.objects.bulk_create([
        Job(pipeline=pipeline, repository=repo, name=job.name, needs=job.needs, condition=job.condition,
            steps=job.steps, env={**spec.env, **job.env}, timeout=job.timeout, created_at=now)
        for job in spec.ordered_jobs()
    ])
    emit_event(type="pipeline.created", actor=actor, repository=repo, payload={"pipeline": pipeline_payload(pipeline)})
    _advance(pipeline, actor)
    transaction.on_commit(notify_jobs_available)
    return pipeline


@transaction.atomic
def pipeline_cancel(*, pipeline: Pipeline, actor: Actor) -> Pipeline:
    pipeline = _lock_pipeline(pipeline.pk)
    if pipeline.is_finished:
        raise Conflict(f"Pipeline #{pipeline.number} already finished ({pipeline.status})",
                       details={"status": pipeline.status})
    now = timezone.now()
    jobs = list(Job.objects.select_for_update(of=("self",)).select_related("agent")
                .filter(pipeline=pipeline, status__in=[Status.PENDING, Status.RUNNING]).order_by("id"))
    for job in jobs:
        job.status, job.finished_at, job.lease_expires_at = Status.CANCELED, now, None
        Job.objects.filter(pk=job.pk).update(status=Status.CANCELED, finished_at=now, lease_expires_at=None)
        _revoke_job_token(job)
        _job_event(job, pipeline, actor)
    _advance(pipeline, actor)
    return pipeline


# --- the agent job protocol --------------------------------------------------------------------------------
def _revoke_job_token(job: Job) -> None:
    if job.job_token_id:
        Token.objects.filter(pk=job.job_token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _claimable(agent):
    return Job.objects.filter(status=Status.PENDING, runnable=True).filter(job_repos_q(agent, "repository__"))


def _claim_once(agent) -> tuple[Job, str] | None:
    """Take the oldest claimable job, exactly once across every process; None when there is none."""
    now = timezone.now()
    lease = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            job = _claimable(agent).order_by("id").select_for_update(skip_locked=True, of=("self",)).first()
            if job is None:
                return None
            Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, agent=agent, started_at=now, lease_expires_at=lease)
        else:
            # SQLite (and any backend without SKIP LOCKED): a conditional UPDATE decides who wins.
            job = None
            for candidate in _claimable(agent).order_by("id").values_list("pk", flat=True)[:20]:
                won = Job.objects.filter(pk=candidate, status=Status.PENDING, runnable=True).update(
                    status=Status.RUNNING, agent=agent, started_at=now, lease_expires_at=lease)
                if won:
                    job = Job(pk=candidate)
                    break
            if job is None:
                return None
        job = Job.objects.select_related("pipeline__repository__namespace", "pipeline__triggered_by", "agent").get(pk=job.pk)
        token, raw = token_create(
            kind=Token.Kind.JOB, name=f"job-{job.pk}", actor=None, repository=job.pipeline.repository, job_id=job.pk,
            expires_at=now + timedelta(seconds=job.timeout + lease_seconds() + 300), emit=False,
        )
        Job.objects.filter(pk=job.pk).update(job_token=token)
        job.job_token = token
        _job_event(job, job.pipeline, actor_for_agent(agent))
    if job.pipeline.status == Status.PENDING:  # a claim can only move a pipeline from pending to running
        job.pipeline = refresh_pipeline(job.pipeline_id, actor_for_agent(agent))
    return job, raw


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
        while True:
            sweep_expired_leases()
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


def sweep_expired_leases(now=None) -> int:
    """Re-queue running jobs whose lease ran out (attempt + 1); fail them after MAX_ATTEMPTS."""
    now = now or timezone.now()
    expired = list(Job.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now).values_list("pk", "pipeline_id")[:100])
    count = 0
    for job_id, pipeline_id in expired:
        with transaction.atomic():
            pipeline = _lock_pipeline(pipeline_id)
            job = Job.objects.select_for_update(of=("self",)).select_related("agent").filter(
                pk=job_id, status=Status.RUNNING, lease_expires_at__lt=now).first()
            if job is None:
                continue
            actor = actor_for_agent(job.agent) if job.agent_id else pipeline.triggered_by
            _revoke_job_token(job)
            if job.attempt >= MAX_ATTEMPTS:
                job.status, job.finished_at, job.lease_expires_at = Status.FAILED, now, None
                Job.objects.filter(pk=job.pk).update(status=Status.FAILED, finished_at=now, lease_expires_at=None)
            else:
                job.status, job.attempt, job.lease_expires_at = Status.PENDING, job.attempt + 1, None
                Job.objects.filter(pk=job.pk).update(
                    status=Status.PENDING, attempt=job.attempt, agent=None, lease_expires_at=None, started_at=None,
                    job_token=None, exit_code=None)
                transaction.on_commit(notify_jobs_available)
            _job_event(job, pipeline, actor)
            if job.status == Status.PENDING:
                job.agent = None
            _advance(pipeline, actor)
            count += 1
    return count


def _held_job(agent, job_id: int, *, lock: bool = False) -> Job:
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
    return _held_job(agent, job_id).status


def job_log_append(*, agent, job_id: int, offset: int, data: bytes) -> int:
    """Append a chunk at `offset` (the bytes already accepted); returns the new size."""
    with transaction.atomic():
        job = _held_job(agent, job_id, lock=True)
        if job.status not in (Status.RUNNING, Status.CANCELED):
            raise Conflict(f"Job already finished ({job.status})", details={"status": job.status})
        if offset != job.log_size:
            raise RangeNotSatisfiable(f"Log offset must be {job.log_size}", details={"offset": job.log_size})
        if not data:
            return job.log_size
        end = job.log_size + len(data)
        if end > max_log_bytes():
            from kizuna.api.errors import PayloadTooLarge

            raise PayloadTooLarge("The job's log is full", details={"limit_bytes": max_log_bytes()})
        JobLogChunk.objects.create(job=job, offset=job.log_size, end=end, data=bytes(data))
        Job.objects.filter(pk=job.pk).update(log_size=end)
        return end


def job_finish(*, agent, job_id: int, status: str, exit_code: int | None) -> Job:
    if status not in (Status.SUCCESS, Status.FAILED):
        raise ValidationFailed({"status": ["must be 'success' or 'failed'"]})
    with transaction.atomic():
        pipeline_id = Job.objects.filter(pk=job_id, agent=agent).values_list("pipeline_id", flat=True).first()
        if pipeline_id is None:
            raise NotFound("No such job held by this agent")
        pipeline = _lock_pipeline(pipeline_id)
        job = _held_job(agent, job_id, lock=True)
        if job.status != Status.RUNNING:
            raise Conflict(f"Job already finished ({job.status})", details={"status": job.status})
        now = timezone.now()
        job.status, job.exit_code, job.finished_at, job.lease_expires_at = status, exit_code, now, None
        Job.objects.filter(pk=job.pk).update(status=status, exit_code=exit_code, finished_at=now, lease_expires_at=None)
        _revoke_job_token(job)
        actor = actor_for_agent(agent)
        _job_event(job, pipeline, actor)
        _advance(pipeline, actor)
        transaction.on_commit(notify_jobs_available)
        job.pipeline = pipeline
        return job


def job_log_read(job: Job, start: int = 0, end: int | None = None) -> bytes:
    """Bytes [start, end) of a job's log (end: the current size)."""
    size = job.log_size
    end = size if end is None else min(end, size)
    if start >= end:
        return b""
    parts = []
    for chunk in JobLogChunk.objects.filter(job=job, end__gt=start, offset__lt=end).order_by("offset"):
        data = bytes(chunk.data)
        parts.append(data[max(0, start - chunk.offset): end - chunk.offset])
    return b"".join(parts)


# Byte positions larger than this are past the end of any log; longer digit strings are clamped to it
# rather than converted (int() refuses more than 4300 digits, and nothing needs them).
_POSITION_CAP = 10**18
_RANGE_RE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)  # [0-9], not \d: ASCII digits only


def parse_position(text: str | None) -> int | None:
    """A byte position written in ASCII digits (surrounding blanks allowed); None for anything else."""
    digits = (text or "").strip(" \t")
    if not is_digits(digits):
        return None
    digits = digits.lstrip("0") or "0"
    return _POSITION_CAP if len(digits) > len(str(_POSITION_CAP)) else min(int(digits), _POSITION_CAP)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """A single `Range` of a `size`-byte log → (start, end exclusive); None to send the whole log.

    `bytes=N-`, `bytes=N-M` and the suffix form `bytes=-N` (the last N bytes) are served. Anything else
    (other units, several ranges, M < N, garbage) is ignored, as RFC 9110 §14.2 allows. A range that
    selects nothing — a start at or past the end (`bytes=0-` of an empty log among them) or an empty
    suffix — raises RangeNotSatisfiable, which carries `Content-Range: bytes */<size>`.
    """
    match = _RANGE_RE.fullmatch((header or "").strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = parse_position(match.group(1)), parse_position(match.group(2))
    if first is None:  # suffix: the last `last` bytes
        if last == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(0, size - last), size
    if last is not None and last < first:
        return None
    if first >= size:
        raise _unsatisfiable(size)
    return first, size if last is None else min(last + 1, size)


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(f"The log has {size} bytes", details={"size": size},
                               headers={"Content-Range": f"bytes */{size}"})


def job_log_etag(job: Job) -> str:
    """The strong ETag of a job's whole log, the same on 200 and 206 answers (RFC 9110 §15.3.7).

    A log only grows (chunks are appended at its end and never rewritten), so the job and the log's size
    name its bytes exactly: no need to read and hash up to 64 MiB to answer a Range request.
    """
    return '"' + hashlib.md5(f"job-log:{job.pk}:{job.log_size}".encode(), usedforsecurity=False).hexdigest() + '"'


# --- automatic triggers ---------------------------------------------------------------------------------
def _short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def _trigger_if_wanted(*, repo, actor: Actor, ref: str, sha: str, event: str) -> Pipeline | None:
    raw = git.read_blob_at(repo.pk, sha, pipeline_definition.PATH)
    if raw is None:
        return None
    try:
        spec = pipeline_definition.parse(raw)
    except pipeline_definition.DefinitionError as exc:
        logger.info("pipeline definition of %s at %s is invalid: %s", repo.full_name, sha[:12], exc)
        return None
    if event not in spec.on:
        return None
    return _create(repo=repo, actor=actor, ref=ref, sha=sha, spec=spec, variables={}, trigger=event)


def on_push_hook(*, repo, ref: str, before: str, after: str, actor: Actor, event=None, **signal) -> None:
    """repos.signals.ref_updated receiver: a push to a branch or tag starts a pipeline when `on` has push."""
    if after == ZERO_SHA or not ref.startswith(("refs/heads/", "refs/tags/")):
        return
    _trigger_if_wanted(repo=repo, actor=actor, ref=_short_ref(ref), sha=after, event=Trigger.PUSH)


def on_pull_request_hook(*, pr, actor: Actor, action: str, **signal) -> None:
    """pulls.signals.pull_request_changed receiver: a PR opened or its head moved."""
    trigger_for_pull_request(pr.issue, actor=actor, head_sha=pr.head_sha, head_ref=pr.head_ref, repo=pr.repository)


def trigger_for_pull_request(pr_issue, *, actor: Actor, head_sha: str, head_ref: str, repo=None) -> Pipeline | None:
    """For the pull request code to call on `opened` and `synchronize`, inside its transaction.

    Starts a `pull_request` pipeline for the PR head when the definition at `head_sha` lists
    `pull_request` under `on`; returns it, or None (no file, invalid file, or not wanted).
    """
    repo = repo or pr_issue.repository
    return _trigger_if_wanted(repo=repo, actor=actor, ref=_short_ref(head_ref), sha=head_sha, event=Trigger.PULL_REQUEST)
