"""Git hosting benchmark: Kizuna's smart HTTP vs git's own file:// transport, in the same run.

    .venv/bin/python bench/git_bench.py [--commits 10000] [--push-commits 1000] [--runs 3]
                                        [--warmup 2] [--server uvicorn|gunicorn] [--database-url URL]
                                        [--prepare-threshold 5] [--warm-pushes 30]

Method: a throw-away Kizuna (SQLite file by default, or --database-url) with its own git root is
migrated and given an org, a public repository and a write token. A history of N commits (each
changing one of 200 small files) is generated with `git fast-import` and pushed into the repository's
bare directory directly (setup, not measured); a bare `git clone --mirror` of it is the file:// twin.
Kizuna is served by `uvicorn kizuna.asgi:application` (or, with --server gunicorn, as docs/deploy.md
deploys git over HTTP: gunicorn with 4 sync workers via kizuna.wsgi and KIZUNA_DB_CONN_MAX_AGE=60, and
on PostgreSQL KIZUNA_DB_PREPARE_THRESHOLD=5) on 127.0.0.1 and a free port. --warm-pushes one-commit
pushes (not recorded) first run every worker's statements past the prepare threshold, as a server's
are within its first minute of agents pushing.
Measured, median of --runs after --warmup unrecorded rounds; each round takes the targets in the order
of a balanced crossover design (`balanced`), so that none is always the first after the round's setup
writes nor always after the same other target:

- clone: `git clone --bare <url>` of the N-commit repository over Kizuna HTTP vs `file://`;
- push: M new commits (fresh content each run) on top of main, `git push <url> HEAD:main` over HTTP
  (with a write token: auth, per-ref permission check, pre-receive hook, receive.fsckObjects, on_push
  with its event) vs the same push to the file:// twin, and to a file:// twin with
  receive.fsckObjects on (what Kizuna's receive does).

A third target in every run is the floor (bench/git_floor.py): the same git over HTTP behind a bare
Python http.server, with no authentication, policy, hooks or database. Ratios are HTTP time / file://
time; Kizuna / floor is what Kizuna itself adds. Everything started here is stopped before exit.
"""

import argparse
import itertools
import json
import math
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from git_floor import start_floor

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def git(*args, cwd=None, env=None, input=None):
    return subprocess.run(["git", *args], cwd=cwd, env=env, input=input, check=True, capture_output=True)


def git_env(home: Path) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def fast_import_stream(count: int, *, branch: str, parent: str | None, seed: str, start_ts: int) -> bytes:
    out = []
    for i in range(1, count + 1):
        msg = f"{seed} commit {i}\n".encode()
        content = f"{seed} {i} {'x' * (i % 50)}\n".encode()
        out.append(f"commit refs/heads/{branch}\nmark :{i}\n".encode())
        out.append(f"committer Bench <bench@example.com> {start_ts + i} +0000\n".encode())
        out.append(b"data %d\n%s" % (len(msg), msg))
        if i == 1 and parent:
            out.append(f"from {parent}\n".encode())
        elif i > 1:
            out.append(f"from :{i - 1}\n".encode())
        out.append(f"M 100644 inline dir{i % 20}/file{i % 200}.txt\n".encode())
        out.append(b"data %d\n%s\n" % (len(content), content))
    out.append(b"done\n")
    return b"".join(out)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


SETUP = r"""
import json, django
django.setup()
from kizuna.accounts import services as s
from repos import services as r, git
u = s.user_create(login="bench")
actor = s.actor_for_user(u)
org = s.org_create(creator=u, login="benchorg")
repo = r.repo_create(actor=actor, namespace=org, name="big", visibility="public")
_, token = s.token_create(kind="personal", name="bench", user=u, scopes=["read", "write"], actor=actor)
print(json.dumps({"path": str(git.repo_path(repo.pk)), "token": token}))
"""


def balanced(targets: tuple, run: int) -> tuple:
    """The targets in the order of row `run` of a balanced crossover design: over as many runs as it
    has rows (6 for three targets, 4 for four: --runs 12 is whole for both), each target comes first
    equally often and follows each other target equally often. Both matter on this machine: the
    first after a round's setup (a clone and a fast-import written moments before) pays 1-2 ms for its
    place, and a push is faster right after another Python server's push (the interpreter's code still
    in the CPU's caches) — a plain rotation of four targets put the floor after Kizuna in three rounds
    of four and Kizuna after the floor in none."""
    n = len(targets)
    if n % 2 == 0:  # a Williams square: row 0 is 0, 1, n-1, 2, n-2, ...; row r adds r to each
        first = [0]
        for i in range(1, n):
            first.append((i + 1) // 2 if i % 2 else n - i // 2)
        row = [(x + run) % n for x in first]
    else:  # odd: every permutation, each once (6 rows for three targets)
        row = list(itertools.permutations(range(n)))[run % math.factorial(n)]
    return tuple(targets[i] for i in row)


def warm_pushes(count: int, src: Path, repo_path: str, url: str, tmp: Path, genv: dict) -> None:
    """`count` one-commit pushes to `url` (each reset afterwards): every statement a push runs, on every
    worker's connection, past the prepare threshold (gunicorn hands each request to any worker)."""
    work = tmp / "warm.git"
    git("clone", "-q", "--bare", str(src), str(work), env=genv)
    tip = git("rev-parse", "main", cwd=work, env=genv).stdout.decode().strip()
    for i in range(count):
        git("fast-import", "--quiet", cwd=work, env=genv,
            input=fast_import_stream(1, branch=f"warm{i}", parent=tip, seed=f"warm{i}", start_ts=1_900_000_000 + i))
        git("push", "-q", url, f"warm{i}:main", cwd=work, env=genv)
        git("update-ref", "refs/heads/main", tip, cwd=repo_path, env=genv)
    shutil.rmtree(work)


def start_server(kind: str, env: dict, probe: str):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn wraps an inherited --fd as AF_UNIX, so asyncio skips the TCP_NODELAY it sets on every TCP
    # connection it accepts itself (`--host/--port`, as deployed): each response's body then waits ~40 ms
    # behind Nagle for the client's delayed ACK of the headers. Accepted sockets inherit the option.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    fd = sock.fileno()
    if kind == "uvicorn":
        cmd = [str(Path(PYTHON).parent / "uvicorn"), "kizuna.asgi:application", "--fd", str(fd),
               "--log-level", "warning", "--lifespan", "off"]
    else:  # as docs/deploy.md §3 serves git over HTTP: sync workers, each keeping its database connection
        env = {**env, "KIZUNA_DB_CONN_MAX_AGE": env.get("KIZUNA_DB_CONN_MAX_AGE", "60")}
        cmd = [str(Path(PYTHON).parent / "gunicorn"), "kizuna.wsgi:application", "--bind", f"fd://{fd}",
               "--workers", "4", "--timeout", "3600", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, pass_fds=(fd,))
    sock.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + probe, timeout=5)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.2)
    return proc, url


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=10000)
    parser.add_argument("--push-commits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2, help="rounds run first and not recorded")
    parser.add_argument("--server", choices=["uvicorn", "gunicorn"], default="uvicorn")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--prepare-threshold", type=int, default=5,
                        help="gunicorn on PostgreSQL: KIZUNA_DB_PREPARE_THRESHOLD as docs/deploy.md sets it (0: off)")
    parser.add_argument("--warm-pushes", type=int, default=30,
                        help="unrecorded one-commit pushes to Kizuna before the first round")
    args = parser.parse_args()
    postgres = "postgres" in args.database_url
    prepared = args.server == "gunicorn" and postgres and args.prepare_threshold > 0

    tmp = Path(tempfile.mkdtemp(prefix="kizuna-git-bench-"))
    server = floor = None
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kizuna.settings", "KIZUNA_GIT_ROOT": str(tmp / "git"),
               "KIZUNA_DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}"}
        env.pop("KIZUNA_REDIS_URL", None)
        env["KIZUNA_DB_PREPARE_THRESHOLD"] = str(args.prepare_threshold) if prepared else ""
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        info = json.loads(subprocess.run([PYTHON, "-c", SETUP], cwd=ROOT, env=env, check=True,
                                         capture_output=True, text=True).stdout.strip().splitlines()[-1])
        genv = git_env(tmp / "home")
        (tmp / "home").mkdir()

        # History: N commits, generated once, loaded into Kizuna's bare repo and a file:// twin.
        src = tmp / "src.git"
        git("init", "-q", "--bare", "--initial-branch=main", str(src), env=genv)
        git("fast-import", "--quiet", cwd=src, env=genv,
            input=fast_import_stream(args.commits, branch="main", parent=None, seed="base", start_ts=1_700_000_000))
        git("push", "-q", info["path"], "main:main", cwd=src, env=genv)
        twin = tmp / "twin.git"
        git("clone", "-q", "--mirror", str(src), str(twin), env=genv)
        # A second twin that checks objects on receive like Kizuna does (receive.fsckObjects).
        twin_fsck = tmp / "twin-fsck.git"
        git("clone", "-q", "--mirror", str(src), str(twin_fsck), env=genv)
        git("config", "receive.fsckObjects", "true", cwd=twin_fsck, env=genv)

        # The floor: the same git over HTTP with nothing of Kizuna's (bench/git_floor.py).
        floor_repo = tmp / "floor" / "big.git"
        git("clone", "-q", "--mirror", str(src), str(floor_repo), env=genv)
        floor, floor_base = start_floor(tmp / "floor")
        floor_url = floor_base.replace("http://", "http://x:y@") + "/big.git"

        server, url = start_server(args.server, env, "/benchorg/big.git/info/refs?service=git-upload-pack")
        http_url = url.replace("http://", f"http://x:{info['token']}@") + "/benchorg/big.git"
        file_url = f"file://{twin}"
        warm_pushes(args.warm_pushes, src, info["path"], http_url, tmp, genv)

        results = {"clone": {"http": [], "floor": [], "file": []},
                   "push": {"http": [], "floor": [], "file": [], "file_fsck": []}}
        # The first --warmup rounds are run but not recorded: a server worker's first requests load
        # modules, open its database connection and compile statements once for its lifetime (gunicorn
        # hands each request to any of its workers, so a few rounds reach them all).
        for run in range(-args.warmup, args.runs):
            for name, target in balanced((("http", http_url), ("floor", floor_url), ("file", file_url)), run):
                dest = tmp / f"clone-{name}-{run}"
                took = timed(lambda: git("clone", "-q", "--bare", target, str(dest), env=genv))
                if run >= 0:
                    results["clone"][name].append(took)
                shutil.rmtree(dest)
            # Push: M fresh commits on top of main; the same objects to both targets.
            work = tmp / f"push-{run}.git"
            git("clone", "-q", "--bare", str(src), str(work), env=genv)
            tip = git("rev-parse", "main", cwd=work, env=genv).stdout.decode().strip()
            git("fast-import", "--quiet", cwd=work, env=genv,
                input=fast_import_stream(args.push_commits, branch=f"new{run}", parent=tip, seed=f"run{run}",
                                         start_ts=1_800_000_000 + run * 10_000))
            for name, target in balanced((("http", http_url), ("floor", floor_url), ("file", file_url),
                                         ("file_fsck", f"file://{twin_fsck}")), run):
                took = timed(lambda: git("push", "-q", target, f"new{run}:main", cwd=work, env=genv))
                if run >= 0:
                    results["push"][name].append(took)
            shutil.rmtree(work)
            # Next run's pushes start from the same base again on both sides.
            git("update-ref", "refs/heads/main", tip, cwd=info["path"], env=genv)
            git("update-ref", "refs/heads/main", tip, cwd=twin, env=genv)
            git("update-ref", "refs/heads/main", tip, cwd=twin_fsck, env=genv)
            git("update-ref", "refs/heads/main", tip, cwd=floor_repo, env=genv)

        print(f"git hosting benchmark: {args.commits} commits cloned, {args.push_commits} pushed, "
              f"median of {args.runs} runs, server={args.server}, db={'postgres' if postgres else 'sqlite'}"
              f"{f' prepared after {args.prepare_threshold}' if prepared else ''}, {args.warm_pushes} warm-up pushes, "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("| operation | Kizuna HTTP (s) | floor HTTP (s) | file:// (s) | ratio | floor / file:// | Kizuna / floor |")
        print("|---|---|---|---|---|---|---|")
        for op, label, base in (("clone", f"clone {args.commits} commits", "file"),
                                ("push", f"push {args.push_commits} commits", "file"),
                                ("push", f"push {args.push_commits} commits vs file:// with receive.fsckObjects", "file_fsck")):
            h, fl, f = (statistics.median(results[op][k]) for k in ("http", "floor", base))
            print(f"| {label} | {h:.3f} | {fl:.3f} | {f:.3f} | {h / f:.2f}x | {fl / f:.2f}x | {h / fl:.2f}x |")
        print(json.dumps({"raw": results}))
    finally:
        if floor is not None:
            floor.shutdown()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
