"""Pipelines benchmark: job claim throughput, and trigger-to-first-log latency through a live server.

    .venv/bin/python bench/pipelines_bench.py [--jobs 2000] [--claimers 1,4,16] [--latency-runs 10] \
        [--database-url postgres://…] [--redis-url redis://127.0.0.1:6379/N]

Runs against a throw-away SQLite database under a temporary directory, or against the PostgreSQL
server named by --database-url (a database this script may create tables in, e.g.
postgres://postgres@127.0.0.1:5432/kizuna_bench). Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import json
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


def django_env(var: Path, database_url: str | None, redis_url: str | None) -> dict:
    return {
        **os.environ,
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


def claim_throughput(jobs: int, claimers: int) -> float:
    """Claims per second by `claimers` threads draining `jobs` queued jobs (in-process, service level)."""
    import django
    from django.db import connection

    django.setup()
    from agents.models import Agent
    from kizuna.accounts import services as accounts
    from pipelines.services import jobs as job_protocol
    from pipelines.models import Job, Pipeline
    from repos.models import Repository

    repo = Repository.objects.get(name="app")
    owner = repo.namespace.user
    actor = accounts.actor_for_user(owner)
    agents = [Agent.objects.create(name=f"bench-{claimers}-{i}-{time.monotonic_ns() % 10**8}", operator=owner,
                                   model_family="bench", model_version="1", capabilities=["ci"], trust_level=2)
              for i in range(claimers)]
    Job.objects.filter(status="pending").update(status="canceled")
    per = 100
    from django.db import transaction
    from repos.services import next_pipeline_number

    for n in range(0, jobs, per):
        with transaction.atomic():
            number = next_pipeline_number(repo)
        p = Pipeline.objects.create(repository=repo, number=number, ref="main", sha="0" * 40, trigger="api", triggered_by=actor)
        Job.objects.bulk_create([Job(pipeline=p, repository=repo, name=f"j{i}", steps=[{"run": "true"}], runnable=True)
                                 for i in range(min(per, jobs - n))])
    connection.close()
    claimed = [[] for _ in range(claimers)]
    errors = []
    barrier = threading.Barrier(claimers + 1)

    def work(i):
        barrier.wait()
        try:
            # The service the claim endpoint calls (lease sweep included), without the long-poll wait.
            # A fresh agent row per claim, with its operator, as the API's token authentication loads it.
            while (got := job_protocol.job_claim(agent=Agent.objects.select_related("operator").get(pk=agents[i].pk),
                                                 wait=0)) is not None:
                claimed[i].append(got[0].pk)
        except Exception as exc:  # e.g. SQLite's "database is locked" under many writers
            errors.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(claimers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ids = [pk for mine in claimed for pk in mine]
    assert len(ids) == len(set(ids)) == jobs, (len(ids), len(set(ids)), jobs)  # each job exactly once
    if errors:
        print(f"  ({len(errors)} of {claimers} claimers stopped: {', '.join(sorted(set(errors)))})", flush=True)
    Job.objects.filter(status="running").update(status="canceled", lease_expires_at=None)  # nobody runs them
    connection.close()
    return jobs / elapsed


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--claimers", default=None, help="default: 1,4,16 on PostgreSQL, 1 on SQLite (one writer at a time)")
    parser.add_argument("--latency-runs", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None, help="e.g. redis://127.0.0.1:6379/11 (default: no Redis, claimers poll)")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="kizuna-bench-"))
    env = django_env(var, args.database_url, args.redis_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([sys.executable, "tests/pipelines/e2e_setup.py"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    seed = json.loads(out.strip().splitlines()[-1])
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"| measure ({backend}) | value |\n|---|---|")
    claimer_counts = args.claimers or ("1,4,16" if args.database_url else "1")
    for claimers in [int(c) for c in claimer_counts.split(",")]:
        rate = claim_throughput(args.jobs, claimers)
        print(f"| claim throughput, {claimers} concurrent claimer(s), {args.jobs} jobs | {rate:,.0f} claims/s |", flush=True)
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
