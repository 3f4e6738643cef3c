"""Start a real, throw-away Kizuna server for the SDK test suites (Python and JavaScript).

    .venv/bin/python sdk/testing/live_server.py

makes a temporary directory (SQLite database, git root), migrates, seeds users, tokens, the org
`my-org` and the public repo `my-repo`, then starts on free 127.0.0.1 ports (port 0, bound here):
  - `url`: uvicorn serving kizuna.asgi:application with the normal rate limits;
  - `limited_url`: a second uvicorn on the same database with a rate limit of LIMIT requests/hour,
    to provoke real 429s;
  - a task worker (`manage.py db_worker`), so webhook deliveries and other tasks run.
It prints ONE line of JSON {url, limited_url, limit, tokens, logins} on stdout, then serves until its
stdin closes (the test run ended, or died) or it gets SIGTERM/SIGINT, and then stops everything and
removes the directory. Children also get SIGTERM if this process dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5

SEED = r'''
import json
from kizuna.accounts import services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Token
from repos import services as repo_services

def tok(user, scopes, name):
    _, raw = services.token_create(kind=Token.Kind.PERSONAL, name=name, user=user, created_by=user,
                                   actor=actor_for_user(user), scopes=scopes)
    return raw

alice = services.user_create(login="alice", password="alice-pw", email="alice@example.com")
bob = services.user_create(login="bob", password="bob-pw", email="bob@example.com")
carol = services.user_create(login="carol", password="carol-pw", email="carol@example.com")
staff = services.user_create(login="staff", password="staff-pw", is_staff=True)
org = services.org_create(creator=alice, login="my-org", name="My organisation")
repo_services.repo_create(actor=actor_for_user(alice), namespace=org, name="my-repo",
                          description="seeded", visibility="public", auto_init=True)
tokens = {
    "alice": tok(alice, ["read", "write", "admin"], "sdk-tests"),
    "alice_read": tok(alice, ["read"], "sdk-tests-read"),
    "bob": tok(bob, ["read", "write", "admin"], "sdk-tests"),
    "carol": tok(carol, ["read", "write", "admin"], "sdk-tests"),
    "carol_limited": tok(carol, ["read"], "sdk-tests-limited"),
    "staff": tok(staff, ["read", "write", "admin"], "sdk-tests"),
}
print("SEED " + json.dumps(tokens))
'''

# Binds 127.0.0.1:0 itself (no port race), reports the port, then serves on that socket.
SERVE = r'''
import socket, sys, uvicorn
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
config = uvicorn.Config("kizuna.asgi:application", log_level="warning", lifespan="off", proxy_headers=False)
uvicorn.Server(config).run(sockets=[sock])
'''


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Stack:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="kizuna-sdk-"))
        self.procs: list[subprocess.Popen] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KIZUNA_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="kizuna.settings",
            PYTHONUNBUFFERED="1",
            KIZUNA_VAR_DIR=str(self.tmp),
            KIZUNA_DATABASE_URL=f"sqlite:///{self.tmp / 'kizuna.sqlite3'}",
            KIZUNA_GIT_ROOT=str(self.tmp / "git"),
            KIZUNA_WEBHOOK_ALLOW_PRIVATE="true",
            KIZUNA_LOG_LEVEL="ERROR",
            KIZUNA_SECRET_KEY=secrets.token_urlsafe(50),  # the default one refuses to start (kizuna.E001)
        )

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def spawn(self, args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, preexec_fn=_die_with_parent, **kw)
        self.procs.append(proc)
        return proc

    def serve(self, **extra_env: str) -> str:
        env = {**self.env, **extra_env}
        proc = self.spawn([sys.executable, "-c", SERVE], env, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"server did not start (said {line!r})")
        url = f"http://127.0.0.1:{line}"
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                # `/` is outside /api/, so readiness probes never count against the rate limit.
                urllib.request.urlopen(urllib.request.Request(url + "/", method="HEAD"), timeout=5).close()
                return url
            except urllib.error.HTTPError:
                return url
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not answer within 60 s") from None
                time.sleep(0.1)

    def start(self) -> dict:
        self.manage("migrate", "--noinput", "-v0")
        out = self.manage("shell", "-c", SEED)
        tokens = json.loads(next(line[5:] for line in out.splitlines() if line.startswith("SEED ")))
        url = self.serve(KIZUNA_RATE_LIMIT_NAMESPACE="sdk-main")
        limited = self.serve(
            KIZUNA_RATE_LIMIT_NAMESPACE="sdk-limited",
            KIZUNA_RATE_LIMIT_DEFAULT=str(LIMIT),
            KIZUNA_RATE_LIMIT_AUTHENTICATED=str(LIMIT),
            KIZUNA_RATE_LIMIT_INTERNAL=str(LIMIT),
        )
        self.spawn([sys.executable, "manage.py", "db_worker"], self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return {
            "url": url,
            "limited_url": limited,
            "limit": LIMIT,
            "tokens": tokens,
            "org": "my-org",
            "repo": "my-repo",
        }

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def main() -> int:
    stack = Stack()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    try:
        info = stack.start()
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()

        def wait_stdin() -> None:
            try:
                sys.stdin.read()
            finally:
                done.set()

        threading.Thread(target=wait_stdin, daemon=True).start()
        done.wait()
        return 0
    except Exception as exc:
        sys.stderr.write(f"live_server: {exc}\n")
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
