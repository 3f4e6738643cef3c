"""Fixtures for git-over-HTTP tests: a live server and a stock `git` client isolated from the host."""

import os
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import make_agent  # noqa: F401  (Standard-trust default)


class GitClient:
    def __init__(self, base_url: str, home):
        self.base_url = base_url.rstrip("/")
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.com",
            "GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "tester@example.com",
        }

    def url(self, full_name: str, token: str | None = None, user: str = "x") -> str:
        parts = urlsplit(self.base_url)
        cred = f"{user}:{token}@" if token else ""
        return f"{parts.scheme}://{cred}{parts.netloc}/{full_name}.git"

    def run(self, *args, cwd=None, check=True, timeout=120) -> subprocess.CompletedProcess:
        proc = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "protocol.version=2", *args],
                              cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def commit(self, workdir, filename="file.txt", content=None, message=None):
        path = workdir / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if content is not None else uuid.uuid4().hex + "\n")
        self.run("add", "--", filename, cwd=workdir)
        self.run("commit", "-q", "-m", message or f"change {filename}", cwd=workdir)
        return self.run("rev-parse", "HEAD", cwd=workdir).stdout.strip()

    def new_worktree(self, tmp_path, name="work"):
        workdir = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}"
        workdir.mkdir()
        self.run("init", "-q", cwd=workdir)
        return workdir


@pytest.fixture
def git_server(transactional_db):
    """A live WSGI server on 127.0.0.1 and a free port, sharing the test database; stops by itself."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def git_client(git_server, tmp_path):
    return GitClient(git_server.url, tmp_path / "home")


@pytest.fixture
def asgi_git_server(transactional_db):
    """kizuna.asgi under uvicorn in a thread, on 127.0.0.1 and a free port; stops by itself.

    In-memory SQLite test databases use a shared cache, so the server's threads see the test's rows.
    """
    import socket
    import threading
    import time

    import uvicorn

    from kizuna.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)

    class Server:
        url = f"http://127.0.0.1:{port}"

    yield Server
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture
def asgi_git_client(asgi_git_server, tmp_path):
    return GitClient(asgi_git_server.url, tmp_path / "asgi-home")
