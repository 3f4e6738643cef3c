"""One function decides the client address; `X-Forwarded-For` counts only from KIZUNA_TRUSTED_PROXIES,
whatever server runs Kizuna — `make run`'s uvicorn (run_demo.server_command) included (issue 17)."""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory

from kizuna.api.client_address import client_ip

ROOT = Path(__file__).resolve().parents[2]


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_client_ip(settings):
    settings.KIZUNA_TRUSTED_PROXIES = ()
    assert client_ip(request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"
    settings.KIZUNA_TRUSTED_PROXIES = ("127.0.0.1", "10.1.0.0/16")
    assert client_ip(request("127.0.0.1", "1.2.3.4")) == "1.2.3.4"
    assert client_ip(request("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.1.2.3")) == "1.2.3.4"  # proxies skipped
    assert client_ip(request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"  # not a trusted peer
    assert client_ip(request("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_ip(request("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request("")) is None and client_ip(request("unix:/run/k.sock")) is None  # no address
    settings.KIZUNA_TRUSTED_PROXIES = ()
    assert client_ip(request("::ffff:10.0.0.5")) == "::ffff:a00:5"  # one spelling per address


@pytest.mark.django_db
def test_an_mcp_tool_call_has_the_address_a_rest_call_would(settings):
    """A tool call runs as a REST request: behind a trusted proxy its rate-limit bucket is the client's."""
    from kizuna.mcp import dispatch

    settings.KIZUNA_RATE_LIMIT_DEFAULT = 2

    def status(peer, forwarded=""):
        return dispatch.call(method="get", path="/nothing-here", query={}, body=None, authorization="",
                             client=peer, host="testserver", scheme="http", forwarded_for=forwarded).status

    settings.KIZUNA_TRUSTED_PROXIES = ("127.0.0.1",)
    assert [status("127.0.0.1", "203.0.113.1") for _ in range(3)] == [404, 404, 429]
    assert status("127.0.0.1", "203.0.113.2") == 404  # another client behind the same proxy
    settings.KIZUNA_TRUSTED_PROXIES = ()
    assert [status("10.0.0.9", f"203.0.113.{i}") for i in range(3)] == [404, 404, 429]  # header ignored


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_make_run(env: dict) -> tuple[subprocess.Popen, int]:
    """`make run`'s server, once it accepts connections, and its port. free_port's port was free a moment
    before the server binds it; when something took it meanwhile, another port is tried."""
    from kizuna.accounts.management.commands.run_demo import server_command

    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen(server_command("127.0.0.1", port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        for _ in range(600):  # up to ~60 s on a loaded machine
            if proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc, port
            except OSError:
                time.sleep(0.1)
        else:
            proc.terminate()
            proc.wait(timeout=30)
            pytest.fail("make run's server did not listen within a minute")
        error = proc.stderr.read().decode()
        if "address already in use" not in error.lower():
            pytest.fail(error)
    pytest.fail("no free port for make run's server in three tries")


def test_make_run_uvicorn_ignores_x_forwarded_for(tmp_path):
    """Anonymous requests with a new X-Forwarded-For each time still share one bucket under `make run`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "FORWARDED_ALLOW_IPS"))}
    env.update(KIZUNA_VAR_DIR=str(tmp_path), KIZUNA_SECRET_KEY="k" * 50, KIZUNA_RATE_LIMIT_DEFAULT="3",
               DJANGO_SETTINGS_MODULE="kizuna.settings")
    proc, port = serve_make_run(env)
    try:
        statuses = []
        for i in range(5):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/nothing-here",
                                         headers={"X-Forwarded-For": f"203.0.113.{i}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert statuses == [404, 404, 404, 429, 429], statuses
    finally:
        proc.terminate()
        proc.wait(timeout=30)
