"""A pipeline's state as its jobs change: the event payloads, the status roll-up and cancel.

Everything that moves a job also calls `advance` here, with the pipeline row locked first (the
locking order of the package's docstring), so a pipeline's status always follows its jobs'. The one
exception is a claim, which settles no job's needs: `pipeline_started` moves a pending pipeline to
running with a conditional UPDATE alone.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kizuna.accounts.models import Actor, Token
from kizuna.api.errors import Conflict
from kizuna.api.fields import api_path
from kizuna.events.log import emit_event

from .. import conditions
from ..models import FINAL, Job, Pipeline, Status


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


def job_event(job: Job, pipeline: Pipeline, actor: Actor) -> None:
    emit_event(type="job.status_changed", actor=actor, repository=pipeline.repository,
               payload={"pipeline": pipeline_payload(pipeline), "job": job_payload(job)})


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


def lock_pipeline(pipeline_id: int) -> Pipeline:
    return (Pipeline.objects.select_for_update(of=("self",))
            .select_related("repository__namespace", "triggered_by").get(pk=pipeline_id))


def advance(pipeline: Pipeline, actor: Actor) -> None:
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
                job_event(job, pipeline, actor)
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
    _status_changed(pipeline, previous, actor)


def _status_changed(pipeline: Pipeline, previous: str, actor: Actor) -> None:
    """The `pipeline.status_changed` event of a pipeline whose instance already holds its new status."""
    emit_event(type="pipeline.status_changed", actor=actor, repository=pipeline.repository,
               payload={"pipeline": pipeline_payload(pipeline), "changes": {"status": {"from": previous}}})


def pipeline_started(pipeline: Pipeline, actor: Actor) -> Pipeline:
    """A claim's pipeline, pending until now, is running: what locking it and running `advance` would
    decide, without reading the pipeline's jobs (advance loads every one; a pipeline of 100 jobs made its
    first claim cost as much as seven others). A running job makes its pipeline running (compute_status), and a claim
    settles no job's needs, so there is nothing else to advance. One conditional UPDATE in a transaction
    of its own (the claim's is over: a claim never waits for a pipeline lock while holding a job); the
    event only when this claim made the change — a concurrent claim or a cancel may have come first."""
    now = timezone.now()
    with transaction.atomic():
        changed = Pipeline.objects.filter(pk=pipeline.pk, status=Status.PENDING).update(
            status=Status.RUNNING, updated_at=now, started_at=Coalesce("started_at", Value(now)))
        if changed:
            pipeline.status, pipeline.updated_at = Status.RUNNING, now
            if "started_at" not in pipeline.get_deferred_fields() and pipeline.started_at is None:
                pipeline.started_at = now  # as the UPDATE wrote it (the claim's pick leaves it unloaded)
            _status_changed(pipeline, Status.PENDING, actor)
    return pipeline


# --- cancel ------------------------------------------------------------------------------------------------
@transaction.atomic
def pipeline_cancel(*, pipeline: Pipeline, actor: Actor) -> Pipeline:
    pipeline = lock_pipeline(pipeline.pk)
    if pipeline.is_finished:
        raise Conflict(f"Pipeline #{pipeline.number} already finished ({pipeline.status})",
                       details={"status": pipeline.status})
    now = timezone.now()
    jobs = list(Job.objects.select_for_update(of=("self",)).select_related("agent")
                .filter(pipeline=pipeline, status__in=[Status.PENDING, Status.RUNNING]).order_by("id"))
    for job in jobs:
        job.status, job.finished_at, job.lease_expires_at = Status.CANCELED, now, None
        Job.objects.filter(pk=job.pk).update(status=Status.CANCELED, finished_at=now, lease_expires_at=None)
        revoke_job_token(job)
        job_event(job, pipeline, actor)
    advance(pipeline, actor)
    return pipeline


def revoke_job_token(job: Job) -> None:
    """A job that stops running (finished, canceled, its lease lost) loses the token its claim minted."""
    if job.job_token_id:
        Token.objects.filter(pk=job.job_token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
