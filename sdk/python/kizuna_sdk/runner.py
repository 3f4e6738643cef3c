"""`kizuna-runner`: the reference pipeline runner (docs/api.md §11).

    KIZUNA_AGENT_TOKEN=kza_… kizuna-runner --url https://kizuna.example.com [--once] [--workdir DIR]

It claims a job (long-polling), clones the job's `clone_url` at its sha over git smart HTTP with the
job token (basic auth `x:<job_token>`, handed to git through its environment, see `_git_env`), runs
each step with `bash -e` in a fresh directory holding the clone, with the job's `env` and `variables` in the environment, streams the output in chunks with byte
offsets, heartbeats in a background thread, kills the step's process group on cancel or timeout, and
reports the result. `--once` handles at most one job (waiting up to `--wait` seconds for it) and exits.
SIGTERM or Ctrl-C stops it at once and says so: an idle runner leaves its long poll; a running step is
stopped as a cancel stops it (its whole process group), and the job, not reported, goes back to the
queue when its lease expires.

Every HTTP call to the server lives in `JobApi` and goes through the SDK's `KizunaClient.request`
(errors are the SDK's `KizunaError` subclasses).
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import __version__
from .client import KizunaClient
from .errors import ConflictError, KizunaError, NotFoundError

log = logging.getLogger("kizuna.runner")

LOG_CHUNK_BYTES = 64 * 1024
LOG_FLUSH_SECONDS = 0.5
KILL_GRACE_SECONDS = 5
# The parts of the runner's own environment that steps inherit (never its token).
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER", "SHELL")


class JobGone(Exception):
    """The server no longer gives this runner the job (re-queued, or another agent holds it)."""


class Stopping(BaseException):
    """Raised by the SIGTERM/SIGINT handler into an idle claim (a long poll), so the runner stops at
    once instead of when the poll ends. A BaseException: no `except Exception` on the way swallows it."""


def _transient(exc: KizunaError) -> bool:
    """No answer, a timeout, 429 or a 5xx: worth trying again later."""
    return exc.status is None or exc.status == 429 or exc.status >= 500


class JobApi:
    """The agent job protocol, over the SDK's transport (`KizunaClient.request`)."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0):
        self.url, self.token, self.timeout = url, token, timeout

    def _client(self, timeout: float | None = None) -> KizunaClient:
        # One client per calling thread (the heartbeat and log threads have their own). Every job call
        # is a POST, which the SDK never retries; retry=False says so explicitly.
        return KizunaClient(self.url, self.token, timeout=timeout or self.timeout, retry=False,
                            user_agent=f"kizuna-runner/{__version__}")

    def claim(self, wait: int) -> dict | None:
        with self._client(timeout=wait + self.timeout) as client:
            job = client.request("POST", "/agent/jobs/claim", json={"wait": wait})
        return job.to_dict() if job is not None else None  # None: 204, no job

    def heartbeat(self, job_id: int, client: KizunaClient | None = None) -> str:
        own = client is None
        client = client or self._client()
        try:
            return client.request("POST", f"/agent/jobs/{job_id}/heartbeat")["status"]
        except NotFoundError:
            raise JobGone() from None
        finally:
            if own:
                client.close()

    def append_log(self, client: KizunaClient, job_id: int, offset: int, data: bytes) -> int:
        """Send a chunk at `offset`; returns the server's new size (resynchronising on 416)."""
        try:
            client.request(
                "POST", f"/agent/jobs/{job_id}/log", content=data,
                headers={"Content-Type": "text/plain; charset=utf-8", "X-Log-Offset": str(offset)},
            )
        except KizunaError as exc:
            if exc.status == 416:
                raise LogOffsetMismatch(int(exc.details["offset"])) from None
            if exc.status == 404:
                raise JobGone() from None
            if exc.status == 409:
                return offset + len(data)  # finished meanwhile; nothing more to keep
            raise
        return int(client.last_response.headers.get("X-Log-Offset", offset + len(data)))

    def finish(self, job_id: int, status: str, exit_code: int | None) -> bool:
        with self._client() as client:
            try:
                client.request("POST", f"/agent/jobs/{job_id}/finish", json={"status": status, "exit_code": exit_code})
            except (NotFoundError, ConflictError):
                return False
        return True


class LogOffsetMismatch(Exception):
    def __init__(self, offset: int):
        self.offset = offset


class LogStreamer:
    """Buffers output and ships it in chunks with byte offsets, from its own thread."""

    def __init__(self, api: JobApi, job_id: int, offset: int = 0):
        self.api, self.job_id = api, job_id
        self.buffer = bytearray()
        self.sent = offset  # bytes the server has accepted (earlier attempts' output included)
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.closed = False
        self.thread = threading.Thread(target=self._run, name=f"log-{job_id}", daemon=True)
        self.thread.start()

    def write(self, data: bytes) -> None:
        with self.lock:
            self.buffer += data
            if len(self.buffer) >= LOG_CHUNK_BYTES:
                self.wake.set()

    def _flush(self, client: KizunaClient) -> None:
        while True:
            with self.lock:
                chunk = bytes(self.buffer[:LOG_CHUNK_BYTES])
            if not chunk:
                return
            try:
                new = self.api.append_log(client, self.job_id, self.sent, chunk)
            except LogOffsetMismatch as exc:
                if exc.offset == self.sent + len(chunk):  # an earlier try of this very chunk landed
                    with self.lock:
                        del self.buffer[:len(chunk)]
                self.sent = exc.offset  # otherwise carry on from where the server is
                continue
            except JobGone:
                with self.lock:
                    self.buffer.clear()
                return
            with self.lock:
                del self.buffer[:len(chunk)]
            self.sent = new

    def _run(self) -> None:
        with self.api._client() as client:
            while True:
                self.wake.wait(LOG_FLUSH_SECONDS)
                self.wake.clear()
                try:
                    self._flush(client)
                except KizunaError as exc:
                    log.warning("log upload failed (will retry): %s", exc)
                if self.closed:
                    try:
                        self._flush(client)
                    except KizunaError:
                        pass
                    return

    def close(self) -> None:
        self.closed = True
        self.wake.set()
        self.thread.join(timeout=60)


class Heartbeat:
    """Heartbeats in the background; sets `stop` when the job was canceled or taken away."""

    def __init__(self, api: JobApi, job_id: int, interval: float):
        self.api, self.job_id, self.interval = api, job_id, interval
        self.stop = threading.Event()
        self.done = threading.Event()
        self.reason = ""
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.api._client() as client:
            while not self.done.wait(self.interval):
                try:
                    status = self.api.heartbeat(self.job_id, client)
                except JobGone:
                    self.reason = "gone"
                    self.stop.set()
                    return
                except KizunaError as exc:
                    log.warning("heartbeat failed: %s", exc)
                    continue
                if status != "running":
                    self.reason = status
                    self.stop.set()
                    return

    def interrupt(self, reason: str) -> None:
        """Stop the running step now (the runner is stopping): as a cancel does, with `reason`."""
        self.reason = reason
        self.stop.set()

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kizuna-runner", description="Run Kizuna pipeline jobs as an agent.")
    parser.add_argument("--url", required=True, help="the server's root URL, e.g. https://kizuna.example.com")
    parser.add_argument("--token", default=os.environ.get("KIZUNA_AGENT_TOKEN"), help="agent token (kza_…); better $KIZUNA_AGENT_TOKEN: arguments show in the process list")
    parser.add_argument("--once", action="store_true", help="run at most one job, then exit")
    parser.add_argument("--workdir", default=None, help="where job directories are made (default: a temporary directory)")
    parser.add_argument("--wait", type=int, default=30, help="seconds each claim long-polls (0-30)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token is required")
    logging.basicConfig(level=os.environ.get("KIZUNA_RUNNER_LOG_LEVEL", "INFO"), format="%(asctime)s %(message)s")
    api = JobApi(args.url, args.token)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="kizuna-runner-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # SIGTERM (or Ctrl-C): an idle runner stops at once (the claim's long poll is interrupted); a
    # running step is stopped as a cancel stops it, and the job is left to its lease (re-queued).
    state = {"idle": False, "heartbeat": None, "signal": None}

    def on_signal(signum, _frame):
        if state["signal"] is None:
            state["signal"] = signal.Signals(signum).name
            log.info("kizuna-runner: %s received, stopping", state["signal"])
        if state["heartbeat"] is not None:
            state["heartbeat"].interrupt(RUNNER_STOPPING)
        elif state["idle"]:
            state["idle"] = False
            raise Stopping()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("kizuna-runner: waiting for jobs from %s", args.url)
    try:
        return _loop(api, args, workdir, state)
    except Stopping:
        return 0
    finally:
        if state["signal"] is not None:
            log.info("kizuna-runner: stopped (%s)", state["signal"])


def _loop(api: JobApi, args, workdir: Path, state: dict) -> int:
    while True:
        state["idle"] = True
        if state["signal"] is not None:
            return 0
        try:
            job = api.claim(max(0, min(30, args.wait)))
        except KizunaError as exc:
            if not _transient(exc):
                log.error("claim refused: %s", exc)
                return 2
            log.warning("claim failed: %s", exc)
            if args.once:
                return 1
            time.sleep(5)  # still idle: a signal ends the pause
            continue
        finally:
            state["idle"] = False
        if job is None:
            if args.once:
                return 0
            continue
        status = run_job(api, job, workdir, state)
        if status == RUNNER_STOPPING:
            return 0
        if args.once:
            return 0 if status == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
