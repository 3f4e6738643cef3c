"""Per-request cost: what every API request pays before its own work, against a bare Django view.

    createdb -h 127.0.0.1 -U postgres kizuna_reqtax      # once
    KIZUNA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kizuna_reqtax KIZUNA_REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/request_bench.py [--seconds 5] [--rounds 3] [--connections 8] [--workers 2]
    .venv/bin/python bench/request_bench.py --profile user [--requests 2000]   # cProfile, in-process

One gunicorn (`--workers` sync workers, KIZUNA_DB_CONN_MAX_AGE=60 as docs/deploy.md recommends) serves
two Django handlers from the same process, the same settings and the same database connection:

- the product (`kizuna.wsgi`'s handler: every middleware, DRF, authentication, the rate limiter in
  Redis) for `GET /api/v1/user` with a personal token, the repository detail and the issue list of a
  public repository with a few issues, all with the token;
- the *floor*: a second WSGIHandler built with MIDDLEWARE = [] serving one plain Django view that
  returns a small JsonResponse (`GET /_bench/floor`): Django's request/response cycle, URL resolution
  and signals, nothing of Kizuna's.

wrk (C, one thread, `--connections` connections) loads each URL for `--seconds`, in `--rounds`
interleaved rounds (floor, user, repo, issues, floor, user, …) so load drift on a shared machine hits
all alike; the medians are reported with each URL's ratio to the floor. The floor's path is served
only by this module's dispatcher, never by the product's URLconf. `--compare-with CHECKOUT` serves a
second checkout (e.g. a `git worktree` of the commit before a change, with this file copied into its
bench/) beside this one on the same database, and interleaves the two URL by URL: before and after in
one run.

--profile KIND runs KIND's request in-process through django.test.Client (same settings, same
middleware) under cProfile and prints the top of the profile.
"""

import argparse
import cProfile
import os
import pstats
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
os.environ.setdefault("KIZUNA_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kizuna_reqtax")
os.environ.setdefault("KIZUNA_REDIS_URL", "redis://127.0.0.1:6379/12")
# The limiter still counts every request; the limit is raised so the figures measure the server.
os.environ.setdefault("KIZUNA_RATE_LIMIT_AUTHENTICATED", "1000000000")
os.environ.setdefault("KIZUNA_DB_CONN_MAX_AGE", "60")

import django  # noqa: E402

django.setup()

from django.http import JsonResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

ORG, REPO, LOGIN = "reqbench-org", "app", "reqbench-user"
FLOOR_PATH = "/_bench/floor"
KINDS = ("floor", "user", "repo", "issues")
URLS = {
    "floor": FLOOR_PATH,
    "user": "/api/v1/user",
    "repo": f"/api/v1/repos/{ORG}/{REPO}",
    "issues": f"/api/v1/repos/{ORG}/{REPO}/issues",
}
TOKEN_FILE = ROOT / "var" / "request-bench-token.txt"


def floor_view(request):
    """The bare Django JSON view: no middleware, no DRF, no database."""
    return JsonResponse({"login": LOGIN, "id": 1, "type": "User"})


def seed() -> str:
    """A user with a read-scoped personal token, an org and a public repository with five issues."""
    from issues import services as issue_services
    from kizuna.accounts import services as accounts
    from kizuna.accounts.actors import actor_for_user
    from kizuna.accounts.models import Namespace, Token, User
    from repos import services as repos
    from repos.models import Repository

    user = User.objects.filter(username=LOGIN).first() or accounts.user_create(login=LOGIN)
    actor = actor_for_user(user)
    org = Namespace.objects.filter(login=ORG).first() or accounts.org_create(creator=user, login=ORG)
    repo = Repository.objects.filter(namespace=org, name=REPO).first()
    if repo is None:
        repo = repos.repo_create(actor=actor, namespace=org, name=REPO, visibility="public")
        for i in range(5):
            issue_services.issue_create(repo=repo, actor=actor, title=f"issue {i}", body="body " * 20)
    if TOKEN_FILE.exists():
        return TOKEN_FILE.read_text().strip()
    _, raw = accounts.token_create(kind=Token.Kind.PERSONAL, name="request-bench", user=user, scopes=["read"],
                                   actor=actor, created_by=user)
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    TOKEN_FILE.write_text(raw)
    return raw


# --- over HTTP: gunicorn serving both handlers, wrk loading ------------------------------------------
def _wrk(url, seconds, connections, token):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    return rps, float(p50.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]


def _check(base, token):
    """Each URL answers 200 before anything is timed; the API's answers carry the limiter's headers."""
    for kind, url in URLS.items():
        request = urllib.request.Request(base + url, headers={"Authorization": f"Bearer {token}"} if kind != "floor" else {})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200, (kind, response.status)
            if kind != "floor":
                assert response.headers["X-RateLimit-Used"], kind


def _serve(root: Path, workers: int):
    """gunicorn serving this module from checkout `root` (its own Kizuna code) on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KIZUNA_BENCH_SERVE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "request_bench:application", "--pythonpath", str(root / "bench"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=root, env=env)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, f"http://127.0.0.1:{port}"


def run_http(token, workers, seconds, rounds, connections, roots):
    """wrk over every URL of every server (`roots`: label → checkout), interleaved round by round."""
    if shutil.which("wrk") is None:
        sys.exit("needs wrk (Debian: apt-get install wrk)")
    servers = {label: _serve(root, workers) for label, root in roots.items()}
    results = {label: {kind: [] for kind in KINDS} for label in roots}
    try:
        for label, (_, base) in servers.items():
            _check(base, token)
            for kind in KINDS:  # warm every worker's connection and caches
                _wrk(base + URLS[kind], 1, connections, token if kind != "floor" else None)
        for _ in range(rounds):
            for kind in KINDS:
                for label, (_, base) in servers.items():
                    results[label][kind].append(_wrk(base + URLS[kind], seconds, connections, token if kind != "floor" else None))
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=30)
    return results


def report(results, args):
    print(f"\ngunicorn {args.workers} sync workers · wrk -t1 -c{args.connections} · {args.rounds} interleaved rounds "
          f"of {args.seconds} s · medians")
    labels = list(results)
    print("| request | URL | " + " | ".join(f"{label} req/s | {label} p50 ms | {label} / floor" for label in labels) + " |")
    print("|---|---|" + "---:|---:|---:|" * len(labels))
    rps = {label: {kind: statistics.median(r[0] for r in results[label][kind]) for kind in KINDS} for label in labels}
    for kind in KINDS:
        cells = []
        for label in labels:
            p50 = statistics.median(r[1] for r in results[label][kind])
            cells.append(f"{rps[label][kind]:.0f} | {p50:.2f} | {rps[label][kind] / rps[label]['floor']:.2f}")
        print(f"| {kind} | `GET {URLS[kind]}` | " + " | ".join(cells) + " |")
    if len(labels) == 2:
        first, second = labels
        print(f"{second} / {first}, URL by URL: " + " · ".join(f"{k} {rps[second][k] / rps[first][k]:.2f}" for k in KINDS))
    for label in labels:
        print(f"rounds, {label} (req/s): " + " · ".join(f"{k} " + "/".join(f"{r[0]:.0f}" for r in results[label][k]) for k in KINDS))


# --- in-process profile ----------------------------------------------------------------------------
def profile(kind, token, n, top):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = URLS[kind]
    for _ in range(50):
        assert client.get(url).status_code == 200
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(n):
        client.get(url)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{kind}: {n} requests in-process under cProfile, {elapsed / n * 1000:.3f} ms each")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(top)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default: 2, the cores)")
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="also serve another checkout of Kizuna (with this file in its bench/) and interleave "
                             "its runs with this one's: before/after in one run")
    parser.add_argument("--profile", choices=KINDS[1:], help="profile one request kind in-process instead")
    parser.add_argument("--requests", type=int, default=2000, help="requests profiled with --profile")
    parser.add_argument("--top", type=int, default=60, help="profile lines printed")
    args = parser.parse_args()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("needs PostgreSQL: set KIZUNA_DATABASE_URL")
    call_command("migrate", verbosity=0)
    token = seed()
    if args.profile:
        profile(args.profile, token, args.requests, args.top)
        return
    connection.close()
    roots = {"this": ROOT}
    if args.compare_with:
        roots = {args.compare_with.resolve().name: args.compare_with.resolve(), **roots}
    report(run_http(token, args.workers, args.seconds, args.rounds, args.connections, roots), args)


if os.environ.get("KIZUNA_BENCH_SERVE"):  # imported by gunicorn: the product and the floor in one process
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    urlpatterns = [path(FLOOR_PATH.lstrip("/"), floor_view), path("", include("kizuna.urls"))]
    from django.conf import settings

    settings.ROOT_URLCONF = __name__  # the floor's route is reachable through the floor handler only
    product = get_wsgi_application()
    with override_settings(MIDDLEWARE=[]):
        floor = WSGIHandler()  # loads its (empty) middleware chain once, here

    def application(environ, start_response):
        handler = floor if environ.get("PATH_INFO") == FLOOR_PATH else product
        return handler(environ, start_response)


if __name__ == "__main__":
    main()
