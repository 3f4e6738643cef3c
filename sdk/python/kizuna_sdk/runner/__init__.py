"""`kizuna-runner`: the reference pipeline runner (docs/api.md §11).

    KIZUNA_AGENT_TOKEN=kza_… kizuna-runner --url https://kizuna.example.com [--once] [--workdir DIR]

It claims a job (long-polling), clones the job's `clone_url` at its sha over git smart HTTP with the
job token (basic auth `x:<job_token>`, handed to git through its environment, see `job._git_env`), runs
each step with `bash -e` in a fresh directory holding the clone, with the job's `env` and `variables`
in the environment, streams the output in chunks with byte offsets, heartbeats in a background thread,
kills the step's process group on cancel or timeout, and reports the result. `--once` handles at most
one job (waiting up to `--wait` seconds for it) and exits. SIGTERM or Ctrl-C stops it at once and says
so: an idle runner leaves its long poll; a running step is stopped as a cancel stops it (its whole
process group), and the job, not reported, goes back to the queue when its lease expires.

The parts: api.py (`JobApi`: every HTTP call to the server, through the SDK's `KizunaClient.request`;
errors are the SDK's `KizunaError` subclasses), reporting.py (the log and heartbeat threads), job.py
(running one job: clone, steps, processes) and cli.py (`main`: arguments, the claim loop, signals).
`python -m kizuna_sdk.runner` runs `main`, as the `kizuna-runner` command does.
"""

from .api import JobApi, JobGone, LogOffsetMismatch
from .cli import main
from .job import RUNNER_STOPPING, run_job

__all__ = ["RUNNER_STOPPING", "JobApi", "JobGone", "LogOffsetMismatch", "main", "run_job"]
