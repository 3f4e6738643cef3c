"""Live fault drills against gunicorn + PostgreSQL + Redis (docs/reliability.md).

    KIZUNA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kizuna_proof KIZUNA_REDIS_URL=redis://127.0.0.1:6379/9 \
        LOAD_TOKENS=var/load-tokens.txt .venv/bin/python bench/load/faults.py

1. database: pg_terminate_backend on every connection of Kizuna's database while clients run →
   each failed request is a 503 SERVICE_UNAVAILABLE envelope, and the same processes answer 200 again.
2. redis down: a second gunicorn with KIZUNA_REDIS_URL on a closed port → the API answers 200
   (rate limiting fails open, X-RateLimit-Used 0).
3. server process killed mid-request: SIGKILL a gunicorn worker while POSTs create issues → every
   issue that exists has its `issue.opened` event, and none is half-written.
4. worker killed: webhook deliveries pending, `deliver_webhooks` killed with SIGKILL mid-run and
   restarted → every delivery row succeeds, each received (at least once).
Never stops the shared PostgreSQL or Redis servers.
"""

import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

BIN = os.environ.get("BIN", ".venv/bin")
DB_URL = os.environ["KIZUNA_DATABASE_URL"]
DB_NAME = DB_URL.rsplit("/", 1)[1]
lines = [x.strip() for x in open(os.environ.get("LOAD_TOKENS", "var/load-tokens.txt")) if x.strip()]
REPO, TOKENS = lines[0], lines[1:]
RESULTS = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env_extra=None, workers=3):
    port = free_port()
    env = {**os.environ, "KIZUNA_RATE_LIMIT_AUTHENTICATED": "10000000", "KIZUNA_DB_CONN_MAX_AGE": "60", **(env_extra or {})}
    proc = subprocess.Popen([f"{BIN}/gunicorn", "kizuna.wsgi:application", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "critical", "--timeout", "60"], env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schema", timeout=2)
            break
        except Exception:
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}/api/v1"


def call(base, method, path, token=TOKENS[0], body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except Exception as e:  # connection reset by a killed worker
        return 0, {}, str(e).encode()


def psql(sql):
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    return subprocess.run(["psql", admin, "-Atc", sql], capture_output=True, text=True, check=True).stdout


def drill_database(base):
    stop = threading.Event()
    statuses, bad = [], []

    def client(token):
        while not stop.is_set():
            status, headers, body = call(base, "GET", f"/repos/{REPO}/issues?per_page=5", token)
            statuses.append(status)
            if status not in (200, 503):
                bad.append((status, body[:200]))
            if status == 503:
                err = json.loads(body)["error"]
                if err["code"] != "SERVICE_UNAVAILABLE" or headers.get("Retry-After") != "1":
                    bad.append(("bad 503", body[:200]))

    threads = [threading.Thread(target=client, args=(t,)) for t in TOKENS[:6]]
    for t in threads:
        t.start()
    time.sleep(3)
    killed = 0
    for _ in range(5):
        killed += int(psql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           f"WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()") or 0)
        time.sleep(1.5)
    time.sleep(3)
    after_kill = len(statuses)
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join()
    tail = statuses[after_kill:]
    RESULTS["database"] = {
        "requests": len(statuses), "backends_terminated": killed, "503": statuses.count(503),
        "200": statuses.count(200), "other": bad[:5], "last_3s_all_200": bool(tail) and set(tail) == {200},
    }


def drill_redis_down():
    proc, base = serve({"KIZUNA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, workers=2)
    try:
        got = [call(base, "GET", f"/repos/{REPO}") for _ in range(20)]
        RESULTS["redis_down"] = {
            "requests": len(got), "200": sum(1 for s, _, _ in got if s == 200),
            "X-RateLimit-Used": sorted({h.get("X-RateLimit-Used") for _, h, _ in got}),
        }
    finally:
        proc.terminate()
        proc.wait()


def drill_kill_worker(proc, base):
    title = f"kill-drill-{int(time.time())}"
    pool = ThreadPoolExecutor(8)
    futures = [pool.submit(call, base, "POST", f"/repos/{REPO}/issues", TOKENS[i % len(TOKENS)],
                           {"title": title, "body": "x" * 1000}) for i in range(300)]
    time.sleep(1.0)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    for pid in children[:2]:
        os.kill(int(pid), signal.SIGKILL)  # gunicorn's arbiter starts replacements
    statuses = [f.result()[0] for f in futures]
    pool.shutdown()
    rows = subprocess.run(["psql", DB_URL, "-Atc",
                           f"SELECT count(*), count(e.id) FROM issues_issue i LEFT JOIN events_event e "
                           f"ON e.type = 'issue.opened' AND (e.payload->'issue'->>'id')::bigint = i.id "
                           f"WHERE i.title = '{title}'"], capture_output=True, text=True).stdout.strip()
    created, with_event = (int(x) for x in rows.split("|"))
    RESULTS["server_killed_mid_request"] = {
        "posts": len(statuses), "201": statuses.count(201), "connection_errors": statuses.count(0),
        "other": sorted({s for s in statuses if s not in (0, 201)}), "issues_in_db": created,
        "issues_with_their_event": with_event, "workers_killed": len(children[:2]),
    }


class Receiver(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))  # drain the body
        Receiver.got.append(self.headers["X-Kizuna-Delivery"])
        time.sleep(0.05)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


def drill_kill_delivery_worker(base):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    env = {**os.environ, "KIZUNA_WEBHOOK_ALLOW_PRIVATE": "true", "KIZUNA_TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    # The hook is created directly (the load users are not repo admins).
    hook = subprocess.run([f"{BIN}/python", "manage.py", "shell", "-c", (
        "from kizuna.events.models import Webhook; from repos.models import Repository;"
        f"r=Repository.objects.get(namespace__login='{REPO.split('/')[0]}', name='app');"
        f"h=Webhook.objects.create(repository=r, url='{url}', events=['*'], secret='s');print(h.pk)")],
        env=env, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    for i in range(40):
        call(base, "POST", f"/repos/{REPO}/issues", TOKENS[i % len(TOKENS)], {"title": f"hook-drill {i}"})
    worker = subprocess.Popen([f"{BIN}/python", "manage.py", "deliver_webhooks"], env=env)
    time.sleep(0.8)
    worker.kill()
    worker.wait()
    delivered_before_restart = len(set(Receiver.got))
    subprocess.run(["psql", DB_URL, "-Atc", f"UPDATE events_webhookdelivery SET next_attempt_at = now() "
                    f"WHERE webhook_id = {hook} AND state = 'pending'"], check=True, capture_output=True)
    subprocess.run([f"{BIN}/python", "manage.py", "deliver_webhooks"], env=env, check=True)
    states = subprocess.run(["psql", DB_URL, "-Atc", f"SELECT state, count(*) FROM events_webhookdelivery "
                             f"WHERE webhook_id = {hook} GROUP BY state"], capture_output=True, text=True).stdout
    RESULTS["delivery_worker_killed"] = {
        "deliveries": states.strip().replace("\n", ", "), "received_before_kill": delivered_before_restart,
        "received_distinct": len(set(Receiver.got)), "received_total": len(Receiver.got),
    }
    server.shutdown()


if __name__ == "__main__":
    proc, base = serve()
    try:
        drill_database(base)
        print("database:", RESULTS["database"], flush=True)
        drill_redis_down()
        print("redis_down:", RESULTS["redis_down"], flush=True)
        drill_kill_worker(proc, base)
        print("server_killed_mid_request:", RESULTS["server_killed_mid_request"], flush=True)
        drill_kill_delivery_worker(base)
        print("delivery_worker_killed:", RESULTS["delivery_worker_killed"], flush=True)
    finally:
        proc.terminate()
        proc.wait()
    json.dump(RESULTS, open(os.environ.get("FAULTS_REPORT", "var/faults.json"), "w"), indent=1)
    sys.exit(0)
