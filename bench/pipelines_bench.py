"""Pipelines benchmark: job claim throughput, and trigger-to-first-log latency through a live server.

    .venv/bin/python bench/pipelines_bench.py [--jobs 2000] [--claimers 1,4,16] [--rounds 1] [--threads] \
        [--no-floor] [--latency-runs 10] [--prepare-threshold 5] [--warmup 10] [--database-url postgres://…] \
        [--redis-url redis://127.0.0.1:6379/N] [--instructions]

--instructions counts instead of timing: the Python process's instructions per claim, one claimer, under
valgrind's callgrind (Ir of 500 claims minus Ir of 100, same seed, / 400 — setup and warm-up cancel out).
Seconds on a shared VM move by ±50 % between runs of the same code; two counts agree within 0.5 %.

Claimers are separate processes (each its own Django setup and connection, as gunicorn workers are) unless
--threads. On PostgreSQL each claim run is followed by a floor run: the same number of processes claiming
the same number of jobs with the minimal exactly-once transaction written by hand (`floor_claims`).
Each claimer first claims --warmup jobs of its own (seeded on top of --jobs) before the clock starts, as
a long-lived worker has: its statements compiled, its modules imported, its connection's statements
prepared (after KIZUNA_DB_PREPARE_THRESHOLD runs). Without it, a run of 1,000 jobs over 16 fresh
processes spends about half its Python on each process's first claims (2026-12-03: ~0.12 s per process).

Runs against a throw-away SQLite database under a temporary directory, or against the PostgreSQL
server named by --database-url (a database this script may create tables in, e.g.
postgres://postgres@127.0.0.1:5432/kizuna_bench). Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

ROOT = Path(__file__).resolve().parents[1]


def django_env(var: Path, database_url: str | None, redis_url: str | None, prepare_threshold: int = 0) -> dict:
    return {
        **os.environ,
        # PostgreSQL: prepared statements, as docs/deploy.md has gunicorn's persistent connections run
        # them (claimers, like gunicorn workers, keep one connection); the floor's connection too.
        "KIZUNA_DB_PREPARE_THRESHOLD": str(prepare_threshold) if database_url and prepare_threshold else "",
        "KIZUNA_VAR_DIR": str(var),
        "KIZUNA_DATABASE_URL": database_url or f"sqlite:///{var / 'bench.sqlite3'}",
        "KIZUNA_GIT_ROOT": str(var / "git"),
        "KIZUNA_REDIS_URL": redis_url or "",  # with Redis a queued job wakes long-polling claimers at once
        "KIZUNA_RATE_LIMIT_AUTHENTICATED": "100000000",
        "KIZUNA_RATE_LIMIT_DEFAULT": "100000000",
        "KIZUNA_LOG_LEVEL": "WARNING",
        # Nobody heartbeats the claimed jobs: a lease shorter than the run would re-queue them mid-run.
        "KIZUNA_JOB_LEASE_SECONDS": "3600",
        "DJANGO_SETTINGS_MODULE": "kizuna.settings",
    }


def seed_jobs(jobs: int, claimers: int) -> dict:
    """`jobs` runnable jobs (pipelines of 100) and one agent per claimer; every older pending job canceled."""
    from django.db import connection, transaction

    from agents.models import Agent
    from kizuna.accounts import services as accounts
    from kizuna.accounts.actors import actor_for_agent
    from pipelines.models import Job, Pipeline
    from repos.models import Repository
    from repos.services import next_pipeline_number

    repo = Repository.objects.get(name="app")
    owner = repo.namespace.user
    actor = accounts.actor_for_user(owner)
    agents = [Agent.objects.create(name=f"bench-{claimers}-{i}-{time.monotonic_ns() % 10**8}", operator=owner,
                                   model_family="bench", model_version="1", capabilities=["ci"], trust_level=2)
              for i in range(claimers)]
    Job.objects.filter(status="pending").update(status="canceled")
    per = 100
    for n in range(0, jobs, per):
        with transaction.atomic():
            number = next_pipeline_number(repo)
        p = Pipeline.objects.create(repository=repo, number=number, ref="main", sha="0" * 40, trigger="api", triggered_by=actor)
        Job.objects.bulk_create([Job(pipeline=p, repository=repo, name=f"j{i}", steps=[{"run": "true"}], runnable=True)
                                 for i in range(min(per, jobs - n))])
    with transaction.atomic():  # each claimer authenticates with its agent's token, as the claim endpoint does
        tokens = [accounts.token_create(kind="agent", name="bench", actor=None, agent=a, emit=False)[1] for a in agents]
    seed = {"agents": [a.pk for a in agents], "tokens": tokens, "repository": repo.pk, "namespace": repo.namespace_id,
            "actors": [actor_for_agent(a).pk for a in agents], "operator_actor": actor.pk}
    if connection.vendor == "postgresql":
        # Statistics, as autovacuum gives any table within a minute (autovacuum_naptime) of such a change.
        # A freshly migrated database has none: its job table was never analyzed and its partial index
        # `job_claimable` was built empty, so PostgreSQL estimates one or two pending jobs and plans every
        # claim's pick by sorting the whole queue (2,160 rows, ~10 ms a claim) instead of walking the
        # index to the first unlocked one — a measure of when autovacuum last woke, not of the claim
        # (docs/benchmarks.md, "The pick's plan on a database never analyzed").
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()
    return seed


def kizuna_claims(raw_token: str, limit: int | None = None) -> list[int]:
    """Drain the queue (or claim `limit` jobs) through `job_claim(wait=0)` — the service the claim endpoint
    calls, lease sweep included — with the agent looked up from its token on every claim, by the API's
    own token authentication."""
    from kizuna.api.authentication import lookup_token
    from pipelines.services import jobs as job_protocol

    ids = []
    while (limit is None or len(ids) < limit) and (
            got := job_protocol.job_claim(agent=lookup_token(raw_token)[0], wait=0)) is not None:
        ids.append(got[0].pk)
    return ids


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend on this machine has used so far (/proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine, or another user's /proc
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_floor = threading.local()  # each floor claimer's psycopg connection


def floor_claims(seed: dict, i: int, cpu: dict, limit: int | None = None) -> list[int]:
    """The least a PostgreSQL claim can be, by hand with psycopg on the same tables: the locked pick of the
    oldest claimable job, the token's INSERT, the job's UPDATE, the event's INSERT, the commit. No
    authorization filter, no webhooks' look-up, no pipeline status: a floor, not a claim service."""
    import psycopg
    from django.db import connection

    from kizuna.accounts.models import Token
    from kizuna.events.models import Event
    from pipelines.models import Job

    job, token, event = Job._meta.db_table, Token._meta.db_table, Event._meta.db_table
    conn = getattr(_floor, "conn", None)
    if conn is None:  # one per claimer, kept from its warm-up to its timed run (closed by _claimer_run)
        connection.ensure_connection()
        params = connection.get_connection_params()
        connection.close()
        conn = _floor.conn = psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")})
    ids = []
    cpu["backend"] = conn.info.backend_pid
    cpu["db_start"] = backend_cpu(conn.info.backend_pid)
    while limit is None or len(ids) < limit:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(f"SELECT id FROM {job} WHERE status = 'pending' AND runnable ORDER BY id "
                        "LIMIT 1 FOR UPDATE SKIP LOCKED")
            row = cur.fetchone()
            if row is None:
                cpu["db_end"] = backend_cpu(conn.info.backend_pid)
                return ids
            raw = secrets.token_hex(20)
            cur.execute(f"INSERT INTO {token} (kind, name, digest, hint, scopes, repository_id, job_id, internal, "
                        "created_at, expires_at) VALUES ('job', %s, %s, %s, '[\"read\"]', %s, %s, false, now(), "
                        "now() + interval '2 hours') RETURNING id",
                        (f"job-{row[0]}", hashlib.sha256(raw.encode()).hexdigest(), raw[:8], seed["repository"], row[0]))
            token_id = cur.fetchone()[0]
            cur.execute(f"UPDATE {job} SET status = 'running', agent_id = %s, started_at = now(), "
                        "lease_expires_at = now() + interval '1 hour', job_token_id = %s WHERE id = %s",
                        (seed["agents"][i], token_id, row[0]))
            cur.execute(f"INSERT INTO {event} (type, repository_id, namespace_id, actor_id, on_behalf_of_id, payload, "
                        "created_at) VALUES ('job.status_changed', %s, %s, %s, %s, %s, now())",
                        (seed["repository"], seed["namespace"], seed["actors"][i], seed["operator_actor"],
                         json.dumps({"job": {"id": row[0], "status": "running"}})))
        ids.append(row[0])
    cpu["db_end"] = backend_cpu(conn.info.backend_pid)
    return ids


def _warm_up(mode: str, seed: dict, i: int, warmup: int) -> list[int]:
    """`warmup` claims before the clock starts: what a long-lived worker has already done."""
    if warmup <= 0:
        return []
    return floor_claims(seed, i, {}, warmup) if mode == "floor" else kizuna_claims(seed["tokens"][i], warmup)


def _claim_run(mode: str, seed: dict, i: int) -> tuple:
    """(start, end, ids, error, Python CPU s, PostgreSQL backend CPU s) of one claimer draining the queue."""
    from django.db import connection

    cpu = {}
    postgres = mode != "floor" and connection.vendor == "postgresql"  # SQLite has no server process
    if postgres:
        connection.ensure_connection()
        cpu["db_start"] = backend_cpu(connection.connection.info.backend_pid)
    start, python, ids, error = time.monotonic(), time.process_time(), [], None
    try:
        if mode == "floor":
            ids = floor_claims(seed, i, cpu)
        else:
            ids = kizuna_claims(seed["tokens"][i])
            if postgres:
                cpu["db_end"] = backend_cpu(connection.connection.info.backend_pid)
    except Exception as exc:  # noqa: BLE001 — e.g. SQLite's "database is locked" under many writers
        error = f"{type(exc).__name__}: {exc}"
    end, python = time.monotonic(), time.process_time() - python
    return start, end, ids, error, python, cpu.get("db_end", float("nan")) - cpu.get("db_start", float("nan"))


def _claimer_run(mode: str, seed: dict, i: int, warmup: int, barrier) -> tuple:
    """One claimer: warm up, wait for the others, drain. _claim_run's tuple and the warm-up's ids; a
    warm-up that fails breaks the barrier, so no claimer waits for it forever."""
    from django.db import connection

    try:
        warm = _warm_up(mode, seed, i, warmup)
    except Exception as exc:  # noqa: BLE001 — reported by claim_throughput
        barrier.abort()
        now = time.monotonic()
        return now, now, [], f"warm-up: {type(exc).__name__}: {exc}", 0.0, float("nan"), []
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        now = time.monotonic()
        return now, now, [], "another claimer's warm-up failed", 0.0, float("nan"), warm
    try:
        return (*_claim_run(mode, seed, i), warm)
    finally:
        conn = getattr(_floor, "conn", None)
        if conn is not None:
            conn.close()
            _floor.conn = None
        connection.close()


def _claimer(mode: str, seed: dict, i: int, warmup: int, barrier, results) -> None:
    """One claiming process (as a gunicorn worker would be): its own Django setup and connection."""
    import django

    django.setup()
    from django.db import connection

    from pipelines.services import jobs  # noqa: F401 — imported before the clock starts

    connection.ensure_connection()
    results.put(_claimer_run(mode, seed, i, warmup, barrier))


def claim_throughput(jobs: int, claimers: int, mode: str = "kizuna", threads: bool = False, warmup: int = 0) -> float:
    """Claims per second by `claimers` processes (or threads of this one) draining `jobs` queued jobs, each
    after `warmup` claims of its own; checks that every job was claimed exactly once (no id twice, none left)."""
    import django

    django.setup()
    from django.db import connection

    from pipelines.models import Job

    seed = seed_jobs(jobs + claimers * warmup, claimers)
    if threads:
        import queue

        barrier, results = threading.Barrier(claimers), queue.Queue()

        def work(i):
            results.put(_claimer_run(mode, seed, i, warmup, barrier))

        workers = [threading.Thread(target=work, args=(i,)) for i in range(claimers)]
    else:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter each, nothing shared
        barrier, results = context.Barrier(claimers), context.Queue()
        workers = [context.Process(target=_claimer, args=(mode, seed, i, warmup, barrier, results))
                   for i in range(claimers)]
    for w in workers:
        w.start()
    done = [results.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = max(end for _, end, *_ in done) - min(start for start, *_ in done)
    ids = [pk for _, _, mine, *_ in done for pk in mine]
    warm = [pk for *_, mine in done for pk in mine]
    errors = [error for _, _, _, error, *_ in done if error]
    if errors:
        print(f"  ({len(errors)} of {claimers} claimers stopped: {'; '.join(sorted(set(errors)))[:300]})", flush=True)
    assert len(warm) == claimers * warmup, (len(warm), claimers * warmup)
    assert len(ids) == jobs and len(set(ids + warm)) == len(ids) + len(warm), (len(ids), jobs)  # each job exactly once
    assert not Job.objects.filter(status="pending", runnable=True).exists()  # all drained
    Job.objects.filter(status="running").update(status="canceled", lease_expires_at=None)  # nobody runs them
    connection.close()
    # CPU per claim, Python (the claimers; with --threads, the process's CPU as the threads saw it) and
    # PostgreSQL (each claimer's backend): what 2 cores can afford, whatever else the machine runs.
    python_ms = (max(d[4] for d in done) if threads else sum(d[4] for d in done)) / jobs * 1000
    db_ms = sum(d[5] for d in done) / jobs * 1000
    return jobs / elapsed, python_ms, db_ms


def trigger_to_first_log(env: dict, seed: dict, runs: int, runner_log: Path) -> list[dict]:
    """Seconds from the trigger's 201 to the first log byte readable through the API, runner already polling.

    Each sample also splits the time with the job's `started_at` (the claim's commit, same clock):
    201 → claimed, and claimed → first log byte seen (the runner's start, its first log upload, our poll).
    """
    import django
    import httpx

    django.setup()
    from pipelines.models import Job

    sock = socket.socket()
    # uvicorn wraps an inherited --fd as AF_UNIX and never sets TCP_NODELAY on it: without this each
    # response body waits ~40 ms behind Nagle for the client's delayed ACK (bench/git_bench.py found it).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "kizuna.asgi:application", "--fd", str(sock.fileno()),
                               "--log-level", "warning"], cwd=ROOT, env=env, pass_fds=[sock.fileno()], start_new_session=True)
    runner = None
    samples = []
    try:
        api = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {seed['personal']}"}, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                if api.get("/user").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        runner_env = {k: v for k, v in os.environ.items() if not k.startswith(("KIZUNA_", "GIT_"))}  # clones over HTTP
        runner_env["KIZUNA_AGENT_TOKEN"] = seed["agents"][0]
        runner_env["PYTHONPATH"] = str(ROOT / "sdk" / "python")  # this checkout's runner, whichever one is installed
        runner = subprocess.Popen([sys.executable, "-m", "kizuna_sdk.runner", "--url", url,
                                   "--wait", "30", "--workdir", tempfile.mkdtemp()], cwd=ROOT, env=runner_env,
                                  start_new_session=True, stderr=runner_log.open("wb"))
        time.sleep(2)  # let the runner start long-polling
        for _ in range(runs):
            response = api.post(f"/repos/{seed['repo']}/pipelines", json={"ref": "main", "variables": {"COLOR": "x"}})
            response.raise_for_status()
            start, wall = time.perf_counter(), time.time()
            body = response.json()
            log_url = f"/repos/{seed['repo']}/pipelines/{body['id']}/jobs/{body['jobs'][0]['id']}/log"
            while not api.get(log_url).content:
                time.sleep(0.01)
            total = time.perf_counter() - start
            claimed = Job.objects.get(pk=body["jobs"][0]["id"]).started_at.timestamp()
            samples.append({"job": body["jobs"][0]["id"], "total": total, "wall": wall, "claimed": claimed})
            while api.get(f"/repos/{seed['repo']}/pipelines/{body['id']}").json()["status"] not in ("success", "failed"):
                time.sleep(0.05)
    finally:
        for proc in (runner, server):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        sock.close()
    return [_split(sample, runner_log) for sample in samples]


def _split(sample: dict, runner_log: Path) -> dict:
    """Where one sample's time went, from the claim's commit (`started_at`) and the runner's own log
    (httpx logs each answered request with a time stamp, same clock): 201 → claim committed → claim
    answer received by the runner → its first log upload answered → the log read through the API."""
    got_claim = first_log = None
    for line in runner_log.read_text(errors="replace").splitlines():
        if "/agent/jobs/claim" in line and first_log is None:
            got_claim = line
        elif f"/agent/jobs/{sample['job']}/log" in line:
            first_log = line
            break

    def stamp(line):
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp() if line else float("nan")

    wall, claimed, runner, uploaded = sample["wall"], sample["claimed"], stamp(got_claim), stamp(first_log)
    end = wall + sample["total"]
    return {"total": sample["total"], "claim": claimed - wall, "answer": runner - claimed,
            "upload": uploaded - runner, "seen": end - uploaded}


INSTRUCTION_RUNS = (100, 500)  # claims counted under callgrind; their difference is what one claim costs
INSTRUCTION_SEED = 700  # jobs seeded for either run, so the seed's instructions cancel out too


def _claim_loop(claims: int, warmup: int) -> None:
    """What --instructions runs under callgrind: seed, warm up, then `claims` claims by one claimer."""
    import django

    django.setup()
    seed = seed_jobs(INSTRUCTION_SEED, 1)
    kizuna_claims(seed["tokens"][0], warmup)
    claimed = kizuna_claims(seed["tokens"][0], claims)
    assert len(claimed) == claims, (len(claimed), claims)


def instructions_per_claim(env: dict, warmup: int) -> float:
    """Instructions (callgrind's Ir, the Python process only) per claim: Ir(500) − Ir(100), / 400."""
    import re
    import shutil

    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    collected = []
    for claims in INSTRUCTION_RUNS:
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/callgrind.out",
                                  sys.executable, __file__, "--claim-loop", str(claims), "--warmup", str(warmup)],
                                 cwd=ROOT, env=env, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", run.stderr)
        if run.returncode != 0 or found is None:
            raise RuntimeError(f"the claim loop under valgrind failed: {run.stderr[-2000:]}")
        collected.append(int(found.group(1)))
    return (collected[1] - collected[0]) / (INSTRUCTION_RUNS[1] - INSTRUCTION_RUNS[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--claimers", default=None, help="default: 1,4,16 on PostgreSQL, 1 on SQLite (one writer at a time)")
    parser.add_argument("--rounds", type=int, default=1, help="claim runs per claimer count, Kizuna and floor alternating")
    parser.add_argument("--no-floor", action="store_true", help="PostgreSQL: skip the hand-written floor claims")
    parser.add_argument("--threads", action="store_true", help="claimers as threads of this process (one GIL)")
    parser.add_argument("--prepare-threshold", type=int, default=5,
                        help="PostgreSQL: KIZUNA_DB_PREPARE_THRESHOLD as docs/deploy.md sets it (0: off)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="claims per claimer before the clock starts (a long-lived worker's state; 0: cold)")
    parser.add_argument("--latency-runs", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None, help="e.g. redis://127.0.0.1:6379/11 (default: no Redis, claimers poll)")
    parser.add_argument("--instructions", action="store_true",
                        help="instructions per claim under valgrind (one claimer) instead of claims/s")
    parser.add_argument("--claim-loop", type=int, default=None, help=argparse.SUPPRESS)  # --instructions' child
    args = parser.parse_args()
    if args.claim_loop is not None:  # the environment is the parent's (django_env)
        sys.path.insert(0, str(ROOT))
        _claim_loop(args.claim_loop, args.warmup)
        return
    var = Path(tempfile.mkdtemp(prefix="kizuna-bench-"))
    env = django_env(var, args.database_url, args.redis_url, args.prepare_threshold)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([sys.executable, "tests/pipelines/e2e_setup.py"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    seed = json.loads(out.strip().splitlines()[-1])
    backend = "PostgreSQL" if args.database_url else "SQLite"
    how = "threads of one process" if args.threads else "processes"
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"| measure ({backend}) | value |\n|---|---|")
    if args.instructions:
        redis = "Redis" if args.redis_url else "no Redis"
        print(f"| instructions per claim, one claimer, {redis} (callgrind, Python process) | "
              f"{instructions_per_claim(env, args.warmup) / 1e6:.2f} M |")
        return
    claimer_counts = args.claimers or ("1,4,16" if args.database_url else "1")
    floor = args.database_url and not args.no_floor
    for claimers in [int(c) for c in claimer_counts.split(",")]:
        for _ in range(args.rounds):
            for mode in ("kizuna", "floor") if floor else ("kizuna",):
                rate, python_ms, db_ms = claim_throughput(args.jobs, claimers, mode, args.threads, args.warmup)
                what = "claim throughput" if mode == "kizuna" else "floor (psycopg by hand)"
                print(f"| {what}, {claimers} concurrent claimer(s) ({how}), {args.jobs} jobs | {rate:,.0f} claims/s "
                      f"(CPU per claim: Python {python_ms:.2f} ms" + ("" if math.isnan(db_ms) else  # SQLite
                                                                    f", PostgreSQL backend {db_ms:.2f} ms") + "; "
                      f"load {os.getloadavg()[0]:.1f}) |", flush=True)
    if args.latency_runs <= 0:
        return
    runner_log = var / "runner.log"  # its requests with time stamps (httpx logs each one at INFO)
    samples = trigger_to_first_log(env, seed, args.latency_runs, runner_log)
    print(f"(runner's log: {runner_log})")
    redis = "Redis" if args.redis_url else "no Redis"

    def ms(key, pick=statistics.median):
        return f"{pick(s[key] for s in samples) * 1000:,.0f} ms"

    print(f"| trigger → first log byte (runner long-polling, {redis}), median of {len(samples)} | {ms('total')} |")
    print(f"| trigger → first log byte, max | {ms('total', max)} |")
    print(f"| of which: 201 → claim committed (median; < 0: before the 201 reached us) | {ms('claim')} |")
    print(f"| claim committed → claim answer at the runner (median) | {ms('answer')} |")
    print(f"| claim answer → runner's first log upload answered (median) | {ms('upload')} |")
    print(f"| upload answered → log read through the API (median) | {ms('seen')} |")


if __name__ == "__main__":
    main()
