"""Starting pipelines: through the API (pipeline_trigger) and automatically, on a push or a pull
request whose definition asks for it (the signal receivers that pipelines/apps.py connects)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from repos import git
from repos.services import next_pipeline_number

from .. import definition as pipeline_definition
from ..models import Job, Pipeline, Trigger
from .jobs import notify_jobs_available
from .rollup import advance, pipeline_payload

logger = logging.getLogger("kizuna.pipelines")

ZERO_SHA = "0" * 40
VARIABLE_NAME_RE = pipeline_definition.ENV_NAME_RE


# --- definitions -----------------------------------------------------------------------------------------
def _definition_at(repo, sha: str) -> pipeline_definition.Definition | None:
    """The validated definition at `sha`, None without one; DefinitionError. The file is read only when
    within the parser's size limit."""
    try:
        raw = git.read_blob_at(repo.pk, sha, pipeline_definition.PATH, max_bytes=pipeline_definition.MAX_BYTES)
    except git.BlobTooLarge:
        raise pipeline_definition.DefinitionError(
            [f"{pipeline_definition.PATH}: larger than {pipeline_definition.MAX_BYTES} bytes"]) from None
    return None if raw is None else pipeline_definition.parse(raw)


def load_definition(repo, sha: str) -> pipeline_definition.Definition:
    """The validated definition at `sha`; ValidationFailed naming the problem otherwise."""
    try:
        spec = _definition_at(repo, sha)
    except pipeline_definition.DefinitionError as exc:
        raise ValidationFailed({"definition": exc.messages}, message="Invalid pipeline definition") from None
    if spec is None:
        raise ValidationFailed({"definition": [f"{pipeline_definition.PATH} not found at {sha[:12]}"]},
                               message="No pipeline definition")
    return spec


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


# --- through the API --------------------------------------------------------------------------------------
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
    advance(pipeline, actor)
    transaction.on_commit(notify_jobs_available)
    return pipeline


# --- automatic triggers ---------------------------------------------------------------------------------
def _short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def _trigger_if_wanted(*, repo, actor: Actor, ref: str, sha: str, event: str) -> Pipeline | None:
    try:
        spec = _definition_at(repo, sha)
    except pipeline_definition.DefinitionError as exc:
        logger.info("pipeline definition of %s at %s is invalid: %s", repo.full_name, sha[:12], exc)
        return None
    if spec is None or event not in spec.on:
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
