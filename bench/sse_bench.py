"""SSE benchmark: N concurrent Server-Sent Event clients on ONE uvicorn process.

Measures event-to-client latency (p50/p99 over every client × event) and the REST API's throughput
with those streams open, as a ratio to the same load without them. Run from the repo root:

    .venv/bin/python bench/sse_bench.py [--clients 1000] [--events 40] [--seconds 8]

It uses its own SQLite database under a temp dir unless KIZUNA_DATABASE_URL is set; with
KIZUNA_REDIS_URL set, fan-out goes through Redis pub/sub, otherwise the server polls the event table.
"""

import argparse
import asyncio
import gc
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class GcPauses:
    """This (client) process's own garbage collections while it reads the events: a pause here delays
    every frame it has not read yet, and would be counted as the server's latency."""

    def __init__(self):
        self.on, self.started, self.pauses = False, 0.0, []

    def __call__(self, phase, info):
        if not self.on:
            return
        if phase == "start":
            self.started = time.perf_counter()
        elif info["generation"] == 2:
            self.pauses.append(round((time.perf_counter() - self.started) * 1000))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def setup_django(env):
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from kizuna.accounts import services as acc
    from repos import services as repo_services

    suffix = str(int(time.time()))[-6:]
    user = acc.user_create(login=f"bench{suffix}", password=None)
    org = acc.org_create(creator=user, login=f"benchorg{suffix}")
    repo = repo_services.repo_create(actor=acc.actor_for_user(user), namespace=org, name="bench", visibility="private")
    _, token = acc.token_create(kind="personal", name="bench", user=user, scopes=["read", "write", "admin"],
                                created_by=user, actor=acc.actor_for_user(user))
    return user, org, repo, token


async def sse_client(port, path, token, ready: asyncio.Event, counters: dict, latencies: list, stop: asyncio.Event,
                     by_event: dict | None = None):
    by_event = {} if by_event is None else by_event
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    got_retry = False
    status = await reader.readline()
    if b" 200 " not in status:
        counters["failed"] += 1
        counters["open"] += 1  # counted as settled so the run goes on; reported as failed
        if counters["open"] >= counters["want"]:
            ready.set()
        writer.close()
        return
    try:
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                break
            if line.startswith(b"retry:") and not got_retry:
                got_retry = True
                counters["open"] += 1
                if counters["open"] >= counters["want"]:
                    ready.set()
            elif line.startswith(b"data:"):
                try:
                    data = json.loads(line[5:])
                except ValueError:
                    continue
                payload = data.get("payload") or {}
                sent = payload.get("t")
                if sent:
                    latencies.append(time.time() - sent)
                    by_event.setdefault(payload.get("n"), []).append(latencies[-1])
    finally:
        writer.close()


async def connect_burst(port, path, token, n: int, rate: float) -> float:
    """Open n streams (10 at a time, `rate` per second at most); the seconds until every one has its
    first frame. Then close them all and give the server a moment to let go of them."""
    counters = {"open": 0, "want": n, "failed": 0}
    ready, stop = asyncio.Event(), asyncio.Event()
    t0 = time.monotonic()
    clients = []
    for i in range(n):
        clients.append(asyncio.create_task(sse_client(port, path, token, ready, counters, [], stop)))
        if i % 10 == 9:
            await asyncio.sleep(10 / rate)
    await asyncio.wait_for(ready.wait(), 300)
    seconds = time.monotonic() - t0
    stop.set()
    for task in clients:
        task.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    await asyncio.sleep(1.0)
    if counters["failed"]:
        raise SystemExit(f"{counters['failed']} of {n} connections to {path} were refused")
    return seconds


def floor_urlpatterns():
    """The floor for a connect: the same uvicorn and Django, an async view that starts an event stream
    the same way, and nothing else: no middleware, no authentication, no database."""
    from django.http import StreamingHttpResponse
    from django.urls import path

    async def frames():
        yield "retry: 3000\n\n"
        await asyncio.Event().wait()  # open until the client leaves

    async def floor_stream(request, org, repo):
        response = StreamingHttpResponse(frames(), content_type="text/event-stream; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        return response

    return [path("api/v1/repos/<str:org>/<str:repo>/events/stream", floor_stream)]


if os.environ.get("KIZUNA_BENCH_SSE_FLOOR"):  # imported by uvicorn as sse_bench:floor_application
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django
    from django.conf import settings as _settings

    django.setup()
    _settings.MIDDLEWARE = []
    _settings.ROOT_URLCONF = __name__
    urlpatterns = floor_urlpatterns()
    from django.core.asgi import get_asgi_application

    floor_application = get_asgi_application()


def start_uvicorn(app: str, port: int, env: dict, app_dir: Path = ROOT) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir), "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--backlog", "4096", "--timeout-keep-alive", "30"],
        cwd=ROOT, env={**os.environ, **env}, preexec_fn=raise_fd_limit,
    )


async def wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            await asyncio.sleep(0.1)


async def api_load(port, path, token, seconds: float, concurrency: int) -> float:
    import httpx

    done = 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                                 timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker():
            nonlocal done
            while time.monotonic() < deadline:
                r = await client.get(path)
                assert r.status_code == 200, r.status_code
                done += 1

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.monotonic() - start)


async def main(args):
    raise_fd_limit()
    tmp = tempfile.mkdtemp(prefix="kizuna-sse-bench-")
    env = {
        "KIZUNA_VAR_DIR": tmp,
        "KIZUNA_RATE_LIMIT_AUTHENTICATED": "1000000000",
        "KIZUNA_RATE_LIMIT_DEFAULT": "1000000000",
        # One token opens every stream: lift the per-caller cap (20 by default), or 980 of 1,000 are refused.
        "KIZUNA_SSE_MAX_STREAMS_PER_CALLER": "0",
        "KIZUNA_LOG_LEVEL": "WARNING",
    }
    user, org, repo, token = await asyncio.to_thread(setup_django, env)
    from asgiref.sync import sync_to_async
    from django.db import transaction

    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.log import emit_event

    actor = await sync_to_async(actor_for_user)(user)
    port = free_port()
    server = start_uvicorn(args.app, port, env)
    floor_server = None
    connects = {"kizuna": [], "floor": []}
    try:
        await wait_listening(port)
        api_path = f"/api/v1/repos/{org.login}/bench"
        stream_path = f"/api/v1/repos/{org.login}/bench/events/stream"
        if args.floor_rounds:
            floor_port = free_port()
            floor_server = start_uvicorn("sse_bench:floor_application", floor_port,
                                         {**env, "KIZUNA_BENCH_SSE_FLOOR": "1"}, app_dir=ROOT / "bench")
            await wait_listening(floor_port)
            await connect_burst(floor_port, stream_path, token, 50, args.connect_rate)  # warm-up, both
            await connect_burst(port, stream_path, token, 50, args.connect_rate)
            for _ in range(args.floor_rounds):  # A B A B
                for name, p in (("floor", floor_port), ("kizuna", port)):
                    seconds = await connect_burst(p, stream_path, token, args.clients, args.connect_rate)
                    connects[name].append(round(args.clients / seconds, 1))
            floor_server.terminate()
            floor_server.wait(10)
            floor_server = None
        await api_load(port, api_path, token, 1.0, args.concurrency)  # warm-up
        without = await api_load(port, api_path, token, args.seconds, args.concurrency)

        counters = {"open": 0, "want": args.clients, "failed": 0}
        latencies: list[float] = []
        by_event: dict = {}
        ready, stop = asyncio.Event(), asyncio.Event()
        t0 = time.monotonic()
        clients = []
        for i in range(args.clients):
            clients.append(asyncio.create_task(sse_client(port, stream_path, token, ready, counters, latencies, stop, by_event)))
            if i % 10 == 9:
                await asyncio.sleep(10 / args.connect_rate)
        await asyncio.wait_for(ready.wait(), 300)
        connect_seconds = time.monotonic() - t0
        await asyncio.sleep(1.0)

        with_streams = await api_load(port, api_path, token, args.seconds, args.concurrency)

        def emit(i):
            with transaction.atomic():
                emit_event(type="issue.opened", actor=actor, repository=repo, payload={"t": time.time(), "n": i})

        if args.signal_server:
            server.send_signal(signal.SIGUSR1)
            await asyncio.sleep(0.5)
        gc_pauses = GcPauses()
        gc.callbacks.append(gc_pauses)
        gc_pauses.on = True
        for i in range(args.events):
            await sync_to_async(emit)(i)
            await asyncio.sleep(args.gap)
        expected = args.events * (args.clients - counters["failed"])
        for _ in range(300):
            if len(latencies) >= expected:
                break
            await asyncio.sleep(0.1)
        gc_pauses.on = False
        if args.signal_server:
            server.send_signal(signal.SIGUSR2)
            await asyncio.sleep(2.0)
        stop.set()
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
    finally:
        for proc in (server, floor_server):
            if proc is not None:
                proc.terminate()
                proc.wait(10)

    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) > 2 else [float("nan")] * 99
    result = {
        "clients": args.clients, "events": args.events, "fanout": "redis" if os.environ.get("KIZUNA_REDIS_URL") else "poll",
        "db": "postgres" if "postgres" in os.environ.get("KIZUNA_DATABASE_URL", "") else "sqlite",
        "failed_connections": counters["failed"], "received": len(lat), "expected": args.events * (args.clients - counters["failed"]),
        "latency_p50_ms": round(q[49] * 1000, 1), "latency_p99_ms": round(q[98] * 1000, 1),
        "latency_max_ms": round(lat[-1] * 1000, 1) if lat else None,
        # Per event, in order: the first and the last of its frames to arrive (ms after it was sent).
        "per_event_min_max_ms": " ".join(f"{min(v) * 1000:.0f}-{max(v) * 1000:.0f}" for _, v in sorted(by_event.items())),
        "connect_all_seconds": round(connect_seconds, 2),
        "api_rps_without_streams": round(without, 1), "api_rps_with_streams": round(with_streams, 1),
        "ratio": round(with_streams / without, 3) if without else None,
        "client_full_gc_pauses_ms": gc_pauses.pauses,
    }
    if args.floor_rounds:
        kizuna, floor = statistics.median(connects["kizuna"]), statistics.median(connects["floor"])
        result.update({"connects_per_s_kizuna": connects["kizuna"], "connects_per_s_floor": connects["floor"],
                       "connect_ratio_to_floor": round(kizuna / floor, 3)})
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between events")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each API throughput run")
    parser.add_argument("--connect-rate", type=float, default=100.0, help="new SSE connections per second")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent API requests")
    parser.add_argument("--app", default="kizuna.asgi:application", help="the ASGI application uvicorn serves")
    parser.add_argument("--signal-server", action="store_true",
                        help="send the server SIGUSR1 before the events and SIGUSR2 once they arrived (for a profiler that --app installs)")
    parser.add_argument("--floor-rounds", type=int, default=0,
                        help="first time --clients connects to Kizuna and to a bare Django stream view (the floor), A B A B")
    asyncio.run(main(parser.parse_args()))
