"""kizuna-runner's clone: the job token reaches git only through its environment, scoped to the clone URL."""

from __future__ import annotations

import base64
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kizuna_sdk.runner import job as runner_job

TOKEN = "kzj_secretsecretsecret"


class _Quiet:
    def __init__(self, *args, **kwargs):
        self.stop, self.reason = threading.Event(), ""
        self.written = bytearray()

    def write(self, data):
        self.written += data

    def close(self):
        pass


class _Api:
    def __init__(self):
        self.finished = None

    def finish(self, job_id, status, exit_code):
        self.finished = (status, exit_code)
        return True


def test_token_never_in_argv_and_steps_never_see_it(monkeypatch, tmp_path):
    calls = []

    def fake_run(args, *, cwd, env, out, stop, deadline):
        calls.append((args, env))
        return 0, "ok"

    monkeypatch.setattr(runner_job, "Heartbeat", _Quiet)
    monkeypatch.setattr(runner_job, "LogStreamer", _Quiet)
    monkeypatch.setattr(runner_job, "_run_process", fake_run)
    job = {"id": 7, "name": "test", "sha": "a" * 40, "ref": "main", "job_token": TOKEN,
           "clone_url": "http://forge.test/o/r.git", "repository": {"id": 1, "full_name": "o/r"},
           "steps": [{"run": "env"}], "env": {}, "variables": {}, "timeout": 60, "lease_seconds": 60}
    api = _Api()
    assert runner_job.run_job(api, job, tmp_path) == "success" and api.finished == ("success", 0)
    (clone, clone_env), (checkout, _), (step, step_env) = calls
    assert clone[:2] == ["git", "clone"] and "http://forge.test/o/r.git" in clone and checkout[:2] == ["git", "checkout"]
    auth = base64.b64encode(f"x:{TOKEN}".encode()).decode()
    for args, _ in calls:
        assert not any(TOKEN in a or auth in a for a in args)
    secrets = {k for k, v in clone_env.items() if TOKEN in v or auth in v}
    assert secrets == {"GIT_CONFIG_VALUE_0"}
    assert clone_env["GIT_CONFIG_KEY_0"] == "http.http://forge.test/o/r.git.extraHeader"
    assert step[0] == "bash" and not any(TOKEN in v or auth in v or k.startswith("GIT_") for k, v in step_env.items())


def test_git_sends_the_header_to_the_clone_url_only(tmp_path):
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="kizuna"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        env = runner_job._git_env({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, f"{base}/o/r.git", TOKEN)
        for repo in ("o/r.git", "o/other.git"):
            proc = subprocess.run(["git", "clone", "-q", f"{base}/{repo}", str(tmp_path / repo)], env=env,
                                  capture_output=True, text=True, timeout=30)
            assert proc.returncode != 0 and TOKEN not in proc.stderr
    finally:
        httpd.shutdown()
        httpd.server_close()
    expected = "Basic " + base64.b64encode(f"x:{TOKEN}".encode()).decode()
    assert ("/o/r.git/info/refs?service=git-upload-pack", expected) in seen
    assert [auth for path, auth in seen if path.startswith("/o/other.git")] == [None]
