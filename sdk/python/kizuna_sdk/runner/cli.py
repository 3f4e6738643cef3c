"""The `kizuna-runner` command: arguments, the claim loop, and stopping on SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import tempfile
import time
from pathlib import Path

from ..errors import KizunaError
from .api import JobApi, is_transient
from .job import RUNNER_STOPPING, run_job

log = logging.getLogger("kizuna.runner")


class Stopping(BaseException):
    """Raised by the SIGTERM/SIGINT handler into an idle claim (a long poll), so the runner stops at
    once instead of when the poll ends. A BaseException: no `except Exception` on the way swallows it."""


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
            if not is_transient(exc):
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
