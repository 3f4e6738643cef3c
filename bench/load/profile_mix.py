"""CPU per request of each endpoint of the load mix (bench/load/locustfile.py), in-process.

    KIZUNA_DATABASE_URL=… KIZUNA_REDIS_URL=… LOAD_TOKENS=var/load-tokens.txt \\
        .venv/bin/python bench/load/profile_mix.py [--requests 300] [--profile] [--top 50]

Runs `kizuna.wsgi`'s handler directly (a WSGI environ per request, as gunicorn would pass it: every
middleware, DRF, the token lookup, the Redis counter) against a database seeded by seed.py, each
endpoint of the mix `--requests` times after a warm-up, and reports per endpoint the process's own CPU
time per request (time.process_time: this process only, not PostgreSQL's or Redis's), the wall time and
the number of SQL queries; then the mix's weighted CPU per request. `--profile` runs the weighted mix
under cProfile (CPU clock) and prints the top functions.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import secrets
import sys
import time
from pathlib import Path

os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
os.environ.setdefault("KIZUNA_RATE_LIMIT_AUTHENTICATED", "1000000000")
os.environ.setdefault("KIZUNA_DB_CONN_MAX_AGE", "60")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

with open(os.environ.get("LOAD_TOKENS", "var/load-tokens.txt")) as fh:
    _lines = [line.strip() for line in fh if line.strip()]
REPO, TOKENS = _lines[0], _lines[1:]
BASE = f"/api/v1/repos/{REPO}"

# (name, weight, method, path, body): the locustfile's tasks.
MIX = [
    ("repo", 20, "GET", lambda: BASE, None),
    ("issue list", 25, "GET", lambda: f"{BASE}/issues?per_page=30&state=all", None),
    ("issue", 15, "GET", lambda: f"{BASE}/issues/{random.randint(2, 50)}", None),
    ("pull list", 10, "GET", lambda: f"{BASE}/pulls?state=all", None),
    ("pull", 5, "GET", lambda: f"{BASE}/pulls/51", None),
    ("comment list", 5, "GET", lambda: f"{BASE}/issues/{random.randint(1, 50)}/comments", None),
    ("issue create", 8, "POST", lambda: f"{BASE}/issues", {"title": "load issue", "body": "created under load", "labels": ["bug"]}),
    ("comment create", 8, "POST", lambda: f"{BASE}/issues/{random.randint(1, 50)}/comments", {"body": "a comment under load"}),
    ("pipeline trigger", 2, "POST", lambda: f"{BASE}/pipelines", {"ref": "main"}),
    ("pipeline list", 2, "GET", lambda: f"{BASE}/pipelines", None),
]

application = get_wsgi_application()


def call(method, path, body, token):
    path, _, query = path.partition("?")
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "*/*",
        "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    if body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(data))
    status = []
    result = application(environ, lambda s, h, *a: status.append(s))
    b"".join(result)
    if hasattr(result, "close"):
        result.close()
    code = int(status[0].split()[0])
    if code >= 400:
        raise SystemExit(f"{method} {path}: {status[0]}")
    return code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--profile", action="store_true", help="cProfile the weighted mix instead")
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--only", help="with --profile: this endpoint of the mix alone (its name, e.g. 'pull list')")
    args = parser.parse_args()
    random.seed(1)
    token = TOKENS[-1]
    for _, _, method, path, body in MIX:  # warm-up: compiled statements, connections, imports
        for _ in range(20):
            call(method, path(), body, token)
    if args.profile:
        tasks = [entry for entry in MIX for _ in range(entry[1]) if args.only in (None, entry[0])]
        profiler = cProfile.Profile(time.process_time)
        n = args.requests * 10
        started = time.process_time()
        profiler.enable()
        for _ in range(n):
            _, _, method, path, body = random.choice(tasks)
            call(method, path(), body, token)
        profiler.disable()
        print(f"{args.only or 'weighted mix'}: {n} requests under cProfile, {(time.process_time() - started) / n * 1000:.3f} ms CPU each")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        return
    total_weight = sum(entry[1] for entry in MIX)
    weighted = 0.0
    print(f"{'endpoint':<18} {'CPU ms':>7} {'wall ms':>8} {'queries':>8}")
    for name, weight, method, path, body in MIX:
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
            call(method, path(), body, token)
        if os.environ.get("PROFILE_MIX_SQL"):
            print("\n".join(f"    {sql[:300]}" for sql in queries))
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            call(method, path(), body, token)
        cpu = (time.process_time() - cpu0) / args.requests * 1000
        wall = (time.perf_counter() - wall0) / args.requests * 1000
        weighted += cpu * weight / total_weight
        print(f"{name:<18} {cpu:7.3f} {wall:8.3f} {len(queries):8d}")
    print(f"{'weighted mix':<18} {weighted:7.3f}  (CPU ms per request of this process)")


if __name__ == "__main__":
    main()
