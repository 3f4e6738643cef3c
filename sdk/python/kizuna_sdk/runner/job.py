"""Running one claimed job: the clone (the job token reaches git only through its environment), each
step with `bash -e` in its own process group, cancel and timeout, and the result reported."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .api import JobApi
from .reporting import Heartbeat, LogStreamer

log = logging.getLogger("kizuna.runner")

KILL_GRACE_SECONDS = 5
# The parts of the runner's own environment that steps inherit (never its token).
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER", "SHELL")


def _kill_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=KILL_GRACE_SECONDS)
            # the shell may be gone while children linger in the group: make sure of them too
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
        except subprocess.TimeoutExpired:
            continue


def _run_process(args: list[str], *, cwd: Path, env: dict, out: LogStreamer, stop: threading.Event,
                 deadline: float) -> tuple[int | None, str]:
    """Run one process in its own process group; returns (exit code, 'ok'|'canceled'|'timeout')."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)

    def pump():
        for chunk in iter(lambda: proc.stdout.read1(8192), b""):
            out.write(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    outcome = "ok"
    while proc.poll() is None:
        if stop.is_set():
            outcome = "canceled"
        elif time.monotonic() >= deadline:
            outcome = "timeout"
        if outcome != "ok":
            _kill_group(proc)
            break
        stop.wait(0.1)
    proc.wait()
    try:  # background processes the step left behind in its group go with it
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    reader.join(timeout=5)
    return proc.returncode, outcome


def _git_env(base: dict, clone_url: str, job_token: str) -> dict:
    """git's environment for the clone: the job token as a Basic-auth header scoped to the clone URL.

    The header goes in through GIT_CONFIG_COUNT/KEY/VALUE (git >= 2.31): it is not in git's argv (the
    process list), not in the URL (git's messages and .git/config), and not written to any file. Steps
    never see it (their environment is built separately). No prompting, no credential helpers.
    """
    auth = base64.b64encode(f"x:{job_token}".encode()).decode()
    config = [
        (f"http.{clone_url}.extraHeader", f"Authorization: Basic {auth}"),
        ("credential.helper", ""),
        ("advice.detachedHead", "false"),
    ]
    env = {k: v for k, v in base.items() if not k.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false",
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_COUNT": str(len(config))})
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
    return env


# Heartbeat.reason when the runner itself was told to stop: the job is left to its lease.
RUNNER_STOPPING = "runner stopping"


def run_job(api: JobApi, job: dict, workdir: Path, current: dict | None = None) -> str:
    """Run one claimed job to the end; returns the final status reported (or 'canceled'/'gone', or
    RUNNER_STOPPING when `current["heartbeat"].interrupt(RUNNER_STOPPING)` stopped it)."""
    job_id = job["id"]
    lease = int(job.get("lease_seconds") or 60)
    heartbeat = Heartbeat(api, job_id, interval=max(0.5, lease / 4))
    if current is not None:
        current["heartbeat"] = heartbeat
        if current.get("signal"):  # told to stop between the claim and now
            heartbeat.interrupt(RUNNER_STOPPING)
    out = LogStreamer(api, job_id, int(job.get("log_offset") or 0))
    deadline = time.monotonic() + int(job.get("timeout") or 3600)
    job_dir = Path(tempfile.mkdtemp(prefix=f"job-{job_id}-", dir=workdir))
    src = job_dir / "src"
    base_env = {k: os.environ[k] for k in INHERITED_ENV if k in os.environ}
    status, exit_code = "failed", None
    try:
        out.write(f"kizuna-runner: job {job['name']} (#{job_id}, attempt {job.get('attempt', 1)}) at {job['sha']}\n".encode())
        # Clone over HTTP with the job token (see _git_env: never in argv, the URL or .git/config).
        git_env = _git_env(base_env, job["clone_url"], job["job_token"])
        code, outcome = _run_process(["git", "clone", "--quiet", "--no-checkout", "--", job["clone_url"], str(src)],
                                     cwd=job_dir, env=git_env, out=out, stop=heartbeat.stop, deadline=deadline)
        if code == 0 and outcome == "ok":
            code, outcome = _run_process(["git", "checkout", "--quiet", "--detach", job["sha"]], cwd=src,
                                         env=git_env, out=out, stop=heartbeat.stop, deadline=deadline)
        if code != 0 or outcome != "ok":
            out.write(b"kizuna-runner: could not check out the commit\n")
            exit_code = code if outcome == "ok" else None
        else:
            env = {**base_env, "CI": "true", "KIZUNA_JOB_ID": str(job_id), "KIZUNA_JOB_NAME": job["name"],
                   "KIZUNA_JOB_ATTEMPT": str(job.get("attempt", 1)), "KIZUNA_REF": job["ref"], "KIZUNA_SHA": job["sha"],
                   "KIZUNA_REPOSITORY": job["repository"]["full_name"], **job.get("env", {}), **job.get("variables", {})}
            status, exit_code = "success", 0
            for index, step in enumerate(job["steps"]):
                label = step.get("name") or step["run"].splitlines()[0]
                out.write(f"\n==> step {index + 1}: {label}\n".encode())
                code, outcome = _run_process(["bash", "-e", "-c", step["run"]], cwd=src, env=env, out=out,
                                             stop=heartbeat.stop, deadline=deadline)
                if outcome == "timeout":
                    out.write(f"\nkizuna-runner: timed out after {job.get('timeout')} s\n".encode())
                    status, exit_code = "failed", 124
                    break
                if outcome == "canceled" and heartbeat.reason == RUNNER_STOPPING:
                    out.write(b"\nkizuna-runner: the runner was stopped (SIGTERM) during this step; the job "
                              b"goes back to the queue when its lease expires\n")
                    status, exit_code = RUNNER_STOPPING, None
                    break
                if outcome == "canceled":
                    out.write(b"\nkizuna-runner: stopped (" + heartbeat.reason.encode() + b")\n")
                    status, exit_code = heartbeat.reason or "canceled", None
                    break
                if code != 0:
                    out.write(f"\nkizuna-runner: step {index + 1} exited with {code}\n".encode())
                    status, exit_code = "failed", code
                    break
        if heartbeat.stop.is_set() and status in ("success", "failed") and exit_code is None:
            status = heartbeat.reason or "canceled"
    finally:
        if current is not None:
            current["heartbeat"] = None
        heartbeat.close()
        out.close()
        shutil.rmtree(job_dir, ignore_errors=True)
    if status in ("success", "failed"):
        api.finish(job_id, status, exit_code)
    log.info("job %s: %s (exit code %s)", job_id, status, exit_code)
    return status
