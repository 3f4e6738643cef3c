"""End to end: a live server (uvicorn in a subprocess on a port chosen at run time) and `kizuna-runner`.

The server gets its own git root and its own database: a SQLite file, or, when the suite runs on
PostgreSQL (KIZUNA_DATABASE_URL=postgres://…), a throw-away database next to the suite's. The runner
is started exactly as a real one would be: it clones the job's `clone_url` over git smart HTTP with the
job token, nothing else.
"""

import base64
import json
import os
import secrets
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
SUITE_DATABASE_URL = os.environ.get("KIZUNA_DATABASE_URL", "")
ON_POSTGRES = SUITE_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _wait_for(predicate, timeout=90, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def _postgres(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


class Server:
    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        self.pg_admin = self.pg_name = None
        database_url = f"sqlite:///{self.var / 'e2e.sqlite3'}"
        if ON_POSTGRES:
            from urllib.parse import urlsplit, urlunsplit

            parts = urlsplit(SUITE_DATABASE_URL)
            self.pg_name = f"{parts.path.lstrip('/') or 'kizuna'}_e2e_{os.getpid()}"
            self.pg_admin = urlunsplit(parts._replace(path="/postgres"))
            _postgres(self.pg_admin, f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            _postgres(self.pg_admin, f'CREATE DATABASE "{self.pg_name}"')
            database_url = urlunsplit(parts._replace(path=f"/{self.pg_name}"))
        self.env = {
            **os.environ,
            "KIZUNA_VAR_DIR": str(self.var),
            "KIZUNA_DATABASE_URL": database_url,
            "KIZUNA_GIT_ROOT": str(self.var / "git"),
            "KIZUNA_REDIS_URL": "",
            "KIZUNA_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "KIZUNA_RATE_LIMIT_AUTHENTICATED": "1000000",
            "KIZUNA_RATE_LIMIT_DEFAULT": "1000000",
            "KIZUNA_LOG_LEVEL": "WARNING",
            "KIZUNA_SECRET_KEY": secrets.token_urlsafe(50),  # the default one refuses to start (kizuna.E001)
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
             "--log-level", "warning", "--no-proxy-headers"],
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
        if self.pg_name:
            _postgres(self.pg_admin, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def runner(self, agent: int, workdir: Path, *extra, **popen) -> subprocess.Popen:
        script = Path(sys.executable).parent / "kizuna-runner"
        cmd = [str(script)] if script.exists() else [sys.executable, "-m", "kizuna_sdk.runner"]
        # The runner knows the server's URL and its agent token, nothing of the server's files.
        # Its token comes through the environment, as documented, so no process's arguments hold one.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "GIT_"))}
        env["KIZUNA_AGENT_TOKEN"] = self.seed["agents"][agent]
        return subprocess.Popen([*cmd, "--url", self.url, "--once",
                                 "--workdir", str(workdir), "--wait", "30", *extra],
                                cwd=workdir.parent, env=env, start_new_session=True, **popen)

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


def _read(path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _session(sid: int) -> list[int]:
    """The live processes of session `sid` (the runner is started as a session leader)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _read(entry / "stat").rsplit(b")", 1)[-1].split()
            if len(fields) > 3 and int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
                members.append(int(entry.name))
    return members


def test_success_with_log(server, tmp_path):
    pipeline = server.trigger("main", COLOR="blue")
    runner = server.runner(0, tmp_path / "work", stderr=subprocess.PIPE)
    _, stderr = runner.communicate(timeout=120)
    assert runner.returncode == 0, stderr
    done = server.pipeline(pipeline["id"])
    assert done["status"] == "success", done
    job = done["jobs"][0]
    assert job["exit_code"] == 0 and job["agent"]["login"] == "runner-one"
    log = server.log(pipeline["id"], job["id"])
    assert "hello from main" in log and "variable=blue" in log
    assert "kzj_" not in log and "Authorization" not in log and b"kzj_" not in stderr
    assert list((tmp_path / "work").iterdir()) == []  # the job directory is cleaned up


def _git(*args, cwd=None, token=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    if token:
        auth = base64.b64encode(f"x:{token}".encode()).decode()
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader", GIT_CONFIG_VALUE_0=f"Authorization: Basic {auth}")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def _info_refs(server, path, token):
    return httpx.get(f"{server.url}/{path}/info/refs?service=git-upload-pack", auth=("x", token), timeout=30).status_code


def test_job_token_reads_its_repository_only_and_dies_with_the_job(server, tmp_path):
    pipeline = server.trigger("main", COLOR="red")
    agent = httpx.Client(base_url=server.url + "/api/v1", timeout=60,
                         headers={"Authorization": f"Bearer {server.seed['agents'][1]}"})
    with agent:
        response = agent.post("/agent/jobs/claim", json={"wait": 5})
        assert response.status_code == 201, response.text
        job = response.json()
        assert job["pipeline"]["id"] == pipeline["id"]
        token, clone_url = job["job_token"], job["clone_url"]
        assert clone_url == f"{server.url}/e2e-owner/app.git"
        # while the job runs: its repository clones over HTTP, another private one does not
        assert _git("clone", "-q", clone_url, str(tmp_path / "ok"), token=token).returncode == 0
        assert (tmp_path / "ok" / "README.md").read_text() == "e2e\n"
        other = f"{server.url}/e2e-owner/other.git"
        refused = _git("clone", "-q", other, str(tmp_path / "other"), token=token)
        assert refused.returncode != 0 and "not found" in refused.stderr
        assert _info_refs(server, "e2e-owner/other.git", token) == 404
        assert _info_refs(server, "e2e-owner/other.git", server.seed["personal"]) == 200  # it exists
        # nor may it push to its own repository
        push = _git("push", "-q", clone_url, "HEAD:refs/heads/from-job", cwd=tmp_path / "ok", token=token)
        assert push.returncode != 0
        # the job ends: the token is dead
        finished = agent.post(f"/agent/jobs/{job['id']}/finish", json={"status": "success", "exit_code": 0})
        assert finished.status_code == 200, finished.text
    assert _info_refs(server, "e2e-owner/app.git", token) == 401
    dead = _git("clone", "-q", clone_url, str(tmp_path / "dead"), token=token)
    assert dead.returncode != 0 and token not in dead.stderr  # git got the 401 and gave up (no prompting)


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
        # no process of the runner's (itself; its step, in a session of its own) shows a token in its
        # arguments, nor does the step's environment hold one
        step_sid = int(_read(f"/proc/{pid}/stat").rsplit(b")", 1)[-1].split()[3])
        processes = _session(runner.pid) + _session(step_sid)
        assert runner.pid in processes and pid in processes
        for member in processes:
            assert not any(s in _read(f"/proc/{member}/cmdline") for s in (b"kza_", b"kzj_", b"Authorization"))
        assert b"kzj_" not in _read(f"/proc/{pid}/environ") and b"GIT_CONFIG" not in _read(f"/proc/{pid}/environ")
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


def _stderr_until(proc, text: str, timeout=90) -> str:
    """Read the runner's stderr until `text` shows (the runner logs there)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line.decode(errors="replace"))
        if text in seen[-1]:
            return "".join(seen)
    raise AssertionError(f"no {text!r} from the runner:\n{''.join(seen)}")


def test_sigterm_stops_an_idle_runner_at_once_saying_so(server, tmp_path):
    # --wait 30 and no job: the runner sits in its long poll, which SIGTERM must not wait out.
    runner = server.runner(0, tmp_path / "work", stderr=subprocess.PIPE)
    try:
        _stderr_until(runner, "waiting for jobs")
        time.sleep(0.5)  # into the claim request (stopping before it must work too)
        runner.send_signal(signal.SIGTERM)
        # Well inside the 30 s poll; a runner that waits the poll out is caught by the wait's timeout.
        _, rest = runner.communicate(timeout=20)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
    assert runner.returncode == 0
    said = rest.decode()
    assert "SIGTERM received, stopping" in said and "stopped (SIGTERM)" in said and "Traceback" not in said


def test_sigterm_during_a_step_stops_it_and_leaves_the_job_to_its_lease(server, tmp_path):
    pidfile = tmp_path / "sleep.pid"
    pipeline = server.trigger("sleepy", PIDFILE=str(pidfile))
    job_id = pipeline["jobs"][0]["id"]
    runner = server.runner(0, tmp_path / "work", stderr=subprocess.PIPE)
    try:
        pid = int(_wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the step to start"))
        runner.send_signal(signal.SIGTERM)
        _, rest = runner.communicate(timeout=60)
        assert runner.returncode == 0 and "stopped (SIGTERM)" in rest.decode()
        _wait_for(lambda: not _alive(pid), timeout=30, what="the step's process to go")
        assert "the runner was stopped (SIGTERM) during this step" in server.log(pipeline["id"], job_id)
        job = server.pipeline(pipeline["id"])["jobs"][0]
        assert job["status"] in ("running", "pending") and job["exit_code"] is None  # not reported: re-queued
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
        server.api.post(f"/repos/{server.seed['repo']}/pipelines/{pipeline['id']}/cancel")  # not for the next test
