"""End to end: a live server (uvicorn in a subprocess on a port chosen at run time) and `kizuna-runner`.

The server gets its own SQLite file and git root; the runner clones from the bare repository on disk
(KIZUNA_RUNNER_TEST_GIT_ROOT) because git smart HTTP is served by another part of the project.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 5


def _wait_for(predicate, timeout=90, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        self.env = {
            **os.environ,
            "KIZUNA_VAR_DIR": str(self.var),
            "KIZUNA_DATABASE_URL": f"sqlite:///{self.var / 'e2e.sqlite3'}",
            "KIZUNA_GIT_ROOT": str(self.var / "git"),
            "KIZUNA_REDIS_URL": "",
            "KIZUNA_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "KIZUNA_RATE_LIMIT_AUTHENTICATED": "1000000",
            "KIZUNA_RATE_LIMIT_DEFAULT": "1000000",
            "KIZUNA_LOG_LEVEL": "WARNING",
        }
        self.var.mkdir(parents=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True)
        out = subprocess.run([sys.executable, "tests/pipelines/e2e_setup.py"], cwd=ROOT, env=self.env, check=True,
                             capture_output=True, text=True).stdout
        self.seed = json.loads(out.strip().splitlines()[-1])
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "kizuna.asgi:application", "--fd", str(self.sock.fileno()),
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, pass_fds=[self.sock.fileno()], start_new_session=True,
        )
        self.api = httpx.Client(base_url=self.url + "/api/v1", timeout=60,
                                headers={"Authorization": f"Bearer {self.seed['personal']}"})
        _wait_for(self._up, what="the server")

    def _up(self):
        try:
            return self.api.get("/user").status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self):
        self.api.close()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.sock.close()

    def runner(self, agent: int, workdir: Path, *extra) -> subprocess.Popen:
        script = Path(sys.executable).parent / "kizuna-runner"
        cmd = [str(script)] if script.exists() else [sys.executable, "-m", "kizuna_sdk.runner"]
        env = {**self.env, "KIZUNA_RUNNER_TEST_GIT_ROOT": str(self.var / "git")}
        return subprocess.Popen([*cmd, "--url", self.url, "--token", self.seed["agents"][agent], "--once",
                                 "--workdir", str(workdir), "--wait", "30", *extra],
                                cwd=ROOT, env=env, start_new_session=True)

    def trigger(self, ref, **variables):
        response = self.api.post(f"/repos/{self.seed['repo']}/pipelines", json={"ref": ref, "variables": variables})
        assert response.status_code == 201, response.text
        return response.json()

    def pipeline(self, pipeline_id):
        return self.api.get(f"/repos/{self.seed['repo']}/pipelines/{pipeline_id}").json()

    def log(self, pipeline_id, job_id):
        return self.api.get(f"/repos/{self.seed['repo']}/pipelines/{pipeline_id}/jobs/{job_id}/log").text


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("e2e"))
    try:
        yield srv
    finally:
        srv.stop()


def _finish(proc, timeout=120):
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_success_with_log(server, tmp_path):
    pipeline = server.trigger("main", COLOR="blue")
    assert _finish(server.runner(0, tmp_path)) == 0
    done = server.pipeline(pipeline["id"])
    assert done["status"] == "success", done
    job = done["jobs"][0]
    assert job["exit_code"] == 0 and job["agent"]["login"] == "runner-one"
    log = server.log(pipeline["id"], job["id"])
    assert "hello from main" in log and "variable=blue" in log
    assert list(tmp_path.iterdir()) == []  # the job directory is cleaned up


def test_failing_step(server, tmp_path):
    pipeline = server.trigger("failing")
    assert _finish(server.runner(0, tmp_path)) == 1
    done = server.pipeline(pipeline["id"])
    assert done["status"] == "failed" and done["jobs"][0]["exit_code"] == 3
    log = server.log(pipeline["id"], done["jobs"][0]["id"])
    assert "before" in log and "never" not in log


def test_timeout_fails_the_job(server, tmp_path):
    pipeline = server.trigger("slow")
    assert _finish(server.runner(0, tmp_path)) == 1
    done = server.pipeline(pipeline["id"])
    assert done["status"] == "failed" and done["jobs"][0]["exit_code"] == 124
    assert "timed out" in server.log(pipeline["id"], done["jobs"][0]["id"])


def test_cancel_during_sleep_kills_the_step(server, tmp_path):
    pidfile = tmp_path / "sleep.pid"
    work = tmp_path / "work"
    pipeline = server.trigger("sleepy", PIDFILE=str(pidfile))
    runner = server.runner(0, work)
    try:
        pid = int(_wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the step to start"))
        assert _alive(pid)
        response = server.api.post(f"/repos/{server.seed['repo']}/pipelines/{pipeline['id']}/cancel")
        assert response.status_code == 202
        _finish(runner)
        assert server.pipeline(pipeline["id"])["status"] == "canceled"
        _wait_for(lambda: not _alive(pid), timeout=30, what="the step's process to go")
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)


def test_killed_runner_job_goes_to_a_second_runner(server, tmp_path):
    pidfile = tmp_path / "step.pid"
    pipeline = server.trigger("flaky", PIDFILE=str(pidfile))
    first = server.runner(0, tmp_path / "one")
    try:
        pid = int(_wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the first attempt"))
        job_id = pipeline["jobs"][0]["id"]
        _wait_for(lambda: "sleeping" in server.log(pipeline["id"], job_id), what="the first attempt's log")
        os.killpg(first.pid, signal.SIGKILL)  # the runner dies; its step lingers in its own group
        first.wait()
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        second = server.runner(1, tmp_path / "two")
        assert _finish(second) == 0
        done = server.pipeline(pipeline["id"])
        assert done["status"] == "success", done
        job = done["jobs"][0]
        assert job["attempt"] == 2 and job["agent"]["login"] == "runner-two"
        log = server.log(pipeline["id"], job["id"])
        assert "attempt 1" in log and "sleeping" in log  # the first attempt's output is kept
        assert "attempt 2)" in log and log.rstrip().endswith("done")
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
