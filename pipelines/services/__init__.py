"""Every write to pipelines and jobs: trigger, cancel, and the agent job protocol (docs/api.md §11).

Callers use this package's names (`from pipelines import services`; `services.job_claim(...)`); the
modules split it by concern, each importing only those above it:

  rollup.py    a pipeline's status from its jobs' (advance, refresh), the event payloads, cancel,
               and revoking a job's token when the job stops
  jobs.py      the agent job protocol: claim (SKIP LOCKED) and its long-poll, leases and their sweep,
               heartbeat, completion, the job token a claim mints
  logs.py      a job's log: appending chunks, reading it whole or by byte range, its ETag
  triggers.py  starting pipelines: through the API, and on a push or a pull request (the signal
               receivers pipelines/apps.py connects)

Locking order (PostgreSQL): operations that change a pipeline's jobs lock the pipeline row first, then
job rows. A claim locks only the job it takes (`FOR UPDATE SKIP LOCKED`) and refreshes the pipeline's
status in a second, short transaction, so a claim never waits for a pipeline lock while holding a job.
"""

from .jobs import (
    JOBS_CHANNEL,
    MAX_ATTEMPTS,
    MAX_WAIT_SECONDS,
    job_claim,
    job_finish,
    job_heartbeat,
    lease_seconds,
    notify_jobs_available,
    sweep_expired_leases,
)
from .logs import job_log_append, job_log_etag, job_log_read, max_log_bytes, parse_position, parse_range
from .rollup import compute_status, job_payload, pipeline_cancel, pipeline_payload
from .triggers import (
    VARIABLE_NAME_RE,
    ZERO_SHA,
    clean_variables,
    load_definition,
    on_pull_request_hook,
    on_push_hook,
    pipeline_trigger,
    trigger_for_pull_request,
)

__all__ = [
    "JOBS_CHANNEL", "MAX_ATTEMPTS", "MAX_WAIT_SECONDS", "VARIABLE_NAME_RE", "ZERO_SHA", "clean_variables",
    "compute_status", "job_claim", "job_finish", "job_heartbeat", "job_log_append", "job_log_etag", "job_log_read",
    "job_payload", "lease_seconds", "load_definition", "max_log_bytes", "notify_jobs_available", "on_pull_request_hook",
    "on_push_hook", "parse_position", "parse_range", "pipeline_cancel", "pipeline_payload", "pipeline_trigger",
    "sweep_expired_leases", "trigger_for_pull_request",
]
