"""Run the SDK conformance suite (sdk/conformance/README.md) against one live Kizuna server.

    .venv/bin/python sdk/conformance/run.py [--require python,js,go,rust] [--only go,js] [-k NAME]

Starts sdk/testing/live_server.py, a proxy that cuts event streams after each event (`drop_url`), a
proxy that answers the first request of each method+path with 429 (`flaky_url`), and a webhook
receiver; then, for each driver, makes that driver's fixture repository and runs the driver over
every scenario. Exit status 0 only if every driver that ran passed every step, and every required
driver ran.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIOS = HERE / "scenarios"
LIVE_SERVER = ROOT / "sdk" / "testing" / "live_server.py"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
PIPELINE_YML = "jobs:\n  test:\n    steps:\n      - run: echo conformance\n"


def log(message: str) -> None:
    print(f"conformance: {message}", flush=True)


# -- drivers --------------------------------------------------------------------------------------
def _go_driver(work: Path) -> list[str] | str:
    if not shutil.which("go"):
        return "no `go` on PATH (make go-deps installs Debian's golang-go)"
    binary = work / "kizuna-conformance-go"
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "CGO_ENABLED": "0"}
    env.setdefault("GOCACHE", str(work / "gocache"))
    build = subprocess.run(["go", "build", "-o", str(binary), "."], cwd=HERE / "drivers" / "go", env=env,
                           capture_output=True, text=True)
    if build.returncode != 0:
        return f"go build failed:\n{build.stdout}{build.stderr}"
    return [str(binary)]


def _rust_driver(work: Path) -> list[str] | str:
    manifest = HERE / "drivers" / "rust" / "Cargo.toml"
    # Debian's cargo goes with Debian's rustc and crates (a rustup cargo earlier on PATH does not).
    cargo = "/usr/bin/cargo" if Path("/usr/bin/cargo").exists() else shutil.which("cargo")
    if not cargo:
        return "no `cargo` on PATH"
    if not manifest.exists():
        return f"{manifest.relative_to(ROOT)} does not exist"
    build = subprocess.run([cargo, "build", "--offline", "--quiet", "--manifest-path", str(manifest)],
                           cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        return f"cargo build failed: {build.stdout}{build.stderr}"
    return [cargo, "run", "--offline", "--quiet", "--manifest-path", str(manifest), "--"]


def _node_driver(work: Path) -> list[str] | str:
    if not shutil.which("node"):
        return "no `node` on PATH"
    return ["node", str(HERE / "drivers" / "js" / "driver.mjs")]


DRIVERS = {
    "python": lambda work: [PYTHON, str(HERE / "drivers" / "python" / "driver.py")],
    "js": _node_driver,
    "go": _go_driver,
    "rust": _rust_driver,
}


# -- proxies and the webhook receiver --------------------------------------------------------------
class QuietServer(ThreadingHTTPServer):
    """Clients that drop keep-alive connections at exit are no error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Proxy:
    """An HTTP proxy in front of the live server, in one of two modes.

    "drop":  event streams are cut right after each forwarded event (`id:` frame); the server's
             `retry:` is shortened to 200 ms so reconnects are quick. Records each stream
             connection's Last-Event-ID.
    "flaky": the first request of each (method, path?query) is answered 429 RATE_LIMITED with
             Retry-After: 1; later ones are forwarded. Records the count per key.
    """

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.lock = threading.Lock()
        self.streams: list[str | None] = []  # Last-Event-ID of each stream connection
        self.seen: dict[str, int] = {}  # flaky: key -> requests
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def handle_one(self):
                proxy.forward(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_one

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def forward(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        key = f"{h.command} {h.path}"
        if self.mode == "flaky" and "conformance-500" in h.path:
            with self.lock:
                self.seen[key] = self.seen.get(key, 0) + 1
            payload = json.dumps({"error": {"code": "INTERNAL_ERROR", "message": "conformance: a server error on purpose",
                                            "details": {}, "request_id": "conformance-500"}}).encode()
            h.send_response(500)
            for name, value in (("Content-Type", "application/json"), ("Content-Length", str(len(payload)))):
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(payload)
            return
        if self.mode == "flaky":
            with self.lock:
                count = self.seen.get(key, 0)
                self.seen[key] = count + 1
            if count == 0:
                payload = json.dumps({"error": {"code": "RATE_LIMITED", "message": "conformance: the first try is refused",
                                                "details": {}, "request_id": "conformance-flaky"}}).encode()
                h.send_response(429)
                for name, value in (("Content-Type", "application/json"), ("Retry-After", "1"),
                                    ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "0"),
                                    ("X-RateLimit-Reset", "0"), ("X-Request-Id", "conformance-flaky"),
                                    ("Content-Length", str(len(payload)))):
                    h.send_header(name, value)
                h.end_headers()
                h.wfile.write(payload)
                return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP}
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=120)
        try:
            upstream.request(h.command, h.path, body=body, headers=headers)
            response = upstream.getresponse()
            stream = "text/event-stream" in (response.getheader("Content-Type") or "")
            h.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP:
                    h.send_header(name, value)
            if stream:
                h.send_header("Connection", "close")
                h.end_headers()
                self.relay_stream(h, response)
                h.close_connection = True
                return
            data = response.read()
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
        except OSError:
            h.close_connection = True
        finally:
            upstream.close()

    def relay_stream(self, h: BaseHTTPRequestHandler, response: http.client.HTTPResponse) -> None:
        cut = self.mode == "drop"
        if cut:
            with self.lock:
                self.streams.append(h.headers.get("Last-Event-ID"))
        in_event = False
        while True:
            line = response.readline()
            if not line:
                return
            if cut and line.startswith(b"retry:"):
                line = b"retry: 200\n"
            if line.startswith(b"id:"):
                in_event = True
            h.wfile.write(line)
            h.wfile.flush()
            if cut and in_event and line in (b"\n", b"\r\n"):
                return  # one whole event forwarded: drop the connection


class Receiver:
    """Answers 204 to every webhook delivery."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- fixtures ------------------------------------------------------------------------------------
def api(info: dict, method: str, path: str, body: dict | None = None, token: str = "alice") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(info["url"] + "/api/v1" + path, data=data, method=method, headers={
        "Authorization": f"Bearer {info['tokens'][token]}", "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "Conformance", "GIT_AUTHOR_EMAIL": "c@example.com",
           "GIT_COMMITTER_NAME": "Conformance", "GIT_COMMITTER_EMAIL": "c@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} failed: {result.stderr.strip()}")


def make_fixtures(info: dict, unique: str, work: Path) -> dict:
    """The driver's repository: main with README.md and .kizuna/pipeline.yml, branches feature and feature-2."""
    name = f"fx-{unique}"
    repo = api(info, "POST", f"/repos/{info['org']}", {"name": name, "visibility": "public", "auto_init": False})
    parts = urlsplit(repo["clone_url"])
    authed = parts._replace(netloc=f"x:{info['tokens']['alice']}@{parts.netloc}").geturl()
    src = work / f"git-{unique}"
    src.mkdir()
    git("init", "-q", "-b", "main", ".", cwd=src)
    (src / "README.md").write_text(f"# {name}\n")
    (src / ".kizuna").mkdir()
    (src / ".kizuna" / "pipeline.yml").write_text(PIPELINE_YML)
    git("add", "-A", cwd=src)
    git("commit", "-q", "-m", "initial", cwd=src)
    for branch, filename in (("feature", "feature.txt"), ("feature-2", "feature-2.txt")):
        git("checkout", "-q", "-b", branch, "main", cwd=src)
        (src / filename).write_text(f"{branch}\n")
        git("add", "-A", cwd=src)
        git("commit", "-q", "-m", f"add {filename}", cwd=src)
    git("push", "-q", authed, "main", "feature", "feature-2", cwd=src)
    return {
        "org": info["org"],
        "repo": info["repo"],
        "unique": unique,
        "fixture_repo": name,
        "agent_name": f"agent-{unique}",
        "new_org": f"org-{unique}",
    }


# -- running a driver ----------------------------------------------------------------------------
def scenario_files(pattern: str | None) -> list[Path]:
    files = sorted(SCENARIOS.glob("*.json"))
    return [f for f in files if not pattern or pattern in f.stem]


def run_driver(name: str, command: list[str], info: dict, proxies: dict, receiver: Receiver, files: list[Path], work: Path) -> list[str]:
    """Run one driver; returns the failures (empty = passed)."""
    unique = f"{name}-{uuid.uuid4().hex[:6]}"
    variables = make_fixtures(info, unique, work)
    variables["hook_url"] = f"{receiver.url}/hooks/{unique}"
    tokens = dict(info["tokens"])
    tokens["invalid"] = "kzp_" + "A" * 30 + "ZZZZZZ"  # the right shape, a wrong checksum
    config = {
        "url": info["url"], "limited_url": info["limited_url"], "drop_url": proxies["drop"].url,
        "flaky_url": proxies["flaky"].url, "tokens": tokens, "vars": variables,
    }
    config_path = work / f"config-{name}.json"
    config_path.write_text(json.dumps(config, indent=2))
    drop_before = len(proxies["drop"].streams)
    log(f"{name}: running {len(files)} scenarios ({' '.join(command[:1])} …)")
    try:
        result = subprocess.run([*command, str(config_path), *map(str, files)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return [f"{name}: the driver did not finish within 900 s"]
    failures: list[str] = []
    passed: dict[str, set[int]] = {}
    for line in result.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            failures.append(f"{name}: stdout line that is not JSON: {line[:200]!r}")
            continue
        if record.get("pass") is True:
            passed.setdefault(record["scenario"], set()).add(int(record["step"]))
        else:
            failures.append(f"{name}: {record.get('scenario')} step {record.get('step')} ({record.get('call')}): {record.get('why')}")
    for path in files:
        scenario = json.loads(path.read_text())
        steps = set(range(len(scenario["steps"])))
        missing = steps - passed.get(scenario["name"], set())
        if missing and not any(f.startswith(f"{name}: {scenario['name']} ") for f in failures):
            failures.append(f"{name}: {scenario['name']}: no passing result for steps {sorted(missing)}")
    if result.returncode != 0 and not failures:
        failures.append(f"{name}: the driver exited {result.returncode}")
    if result.returncode == 0 and failures:
        failures.append(f"{name}: the driver exited 0 despite failures")
    # What only the proxies saw.
    if any(scenario_name(f) == "events-stream" for f in files):
        streams = proxies["drop"].streams[drop_before:]
        # Each stream starts from a given id and is cut after every event: its reconnections carry
        # the ids of the events it already delivered, so ≥ 3 distinct Last-Event-IDs must appear.
        if len(streams) < 3 or len({leid for leid in streams if leid}) < 3:
            failures.append(f"{name}: events-stream: expected ≥ 3 stream connections through drop_url resuming with "
                            f"Last-Event-ID; saw {streams}")
    if any(scenario_name(f) == "retries" for f in files):
        retried = [k for k, n in proxies["flaky"].seen.items() if unique in k and k.startswith(("GET", "PUT", "DELETE")) and n >= 2]
        posted = [k for k, n in proxies["flaky"].seen.items() if unique in k and k.startswith("POST") and n != 1]
        if not retried:
            failures.append(f"{name}: retries: no idempotent request was retried after the 429 of flaky_url")
        if posted:
            failures.append(f"{name}: retries: a POST was retried: {posted}")
    if failures and result.stderr.strip():
        failures.append(f"{name}: driver stderr:\n{result.stderr.strip()[-3000:]}")
    return failures


# Each example of sdk/go/README.md and a line its output must hold (the examples are whole programs).
GO_EXAMPLE_OUTPUT = ["opened #", "page 2 of ", "422 VALIDATION_ERROR", "verified: true", ": issue.opened by alice"]


def go_readme_examples(info: dict, work: Path) -> list[str]:
    """Build every Go block of sdk/go/README.md as a program outside the repository (the SDK by a
    replace directive, no network) and run it against the live server."""
    import re

    readme = (ROOT / "sdk" / "go" / "README.md").read_text()
    # Whole programs are built and run; a fragment (no `package main`, e.g. the deprecation hook, whose
    # answer needs a deprecated operation the live server does not have) is shown, not run.
    blocks = [b for b in re.findall(r"```go\n(.*?)```", readme, flags=re.S) if b.lstrip().startswith("package main")]
    if len(blocks) != len(GO_EXAMPLE_OUTPUT):
        return [f"go-readme: {len(blocks)} Go blocks in sdk/go/README.md, the run knows {len(GO_EXAMPLE_OUTPUT)}"]
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "CGO_ENABLED": "0",
           "KIZUNA_URL": info["url"], "KIZUNA_TOKEN": info["tokens"]["alice"]}
    env.setdefault("GOCACHE", str(work / "gocache"))
    failures = []
    for index, (source, expected) in enumerate(zip(blocks, GO_EXAMPLE_OUTPUT), 1):
        program = work / f"go-example-{index}"
        program.mkdir()
        (program / "main.go").write_text(source)
        (program / "go.mod").write_text(
            f"module example.com/readme{index}\n\ngo 1.19\n\nrequire github.com/kizuna/sdk-go v0.0.0\n\n"
            f"replace github.com/kizuna/sdk-go => {ROOT / 'sdk' / 'go'}\n")
        build = subprocess.run(["go", "build", "-o", "example", "."], cwd=program, env=env, capture_output=True, text=True)
        if build.returncode != 0:
            failures.append(f"go-readme example {index}: go build failed:\n{build.stdout}{build.stderr}")
            continue
        try:
            result = subprocess.run([str(program / "example")], cwd=program, env=env, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            failures.append(f"go-readme example {index}: did not finish within 120 s")
            continue
        if result.returncode != 0 or expected not in result.stdout:
            failures.append(f"go-readme example {index}: exit {result.returncode}, expected {expected!r} in its output:\n"
                            f"{result.stdout}{result.stderr}")
    log(f"go-readme: {'PASS' if not failures else 'FAIL'} ({len(blocks)} examples built outside the repository)")
    return failures


def scenario_name(path: Path) -> str:
    return json.loads(path.read_text())["name"]


def start_server() -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([PYTHON, str(LIVE_SERVER)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=60)
        raise RuntimeError(f"the live server did not start (exit {proc.returncode})")
    return proc, json.loads(line)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.stdin:
        proc.stdin.close()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--require", default=os.environ.get("KIZUNA_CONFORMANCE_REQUIRE", ""),
                        help="comma-separated drivers that must run (a missing toolchain is then a failure)")
    parser.add_argument("--only", default="", help="comma-separated drivers to run (default: every available one)")
    parser.add_argument("-k", dest="pattern", default=None, help="only scenarios whose file name contains this")
    args = parser.parse_args(argv)
    required = [d for d in args.require.split(",") if d]
    selected = [d for d in (args.only.split(",") if args.only else DRIVERS) if d]
    unknown = [d for d in required + selected if d not in DRIVERS]
    if unknown:
        parser.error(f"unknown drivers {unknown}; known: {', '.join(DRIVERS)}")
    files = scenario_files(args.pattern)
    if not files:
        parser.error("no scenarios selected")

    work = Path(tempfile.mkdtemp(prefix="kizuna-conformance-"))
    failures: list[str] = []
    commands: dict[str, list[str]] = {}
    for name in selected:
        command = DRIVERS[name](work)
        if isinstance(command, str):
            if name in required:
                failures.append(f"{name}: required but unavailable: {command}")
            else:
                log(f"{name}: not run ({command})")
        else:
            commands[name] = command
    proc = None
    proxies: dict[str, Proxy] = {}
    receiver = None
    try:
        if commands:
            proc, info = start_server()
            proxies = {"drop": Proxy(info["url"], "drop"), "flaky": Proxy(info["url"], "flaky")}
            receiver = Receiver()
            for name, command in commands.items():
                found = run_driver(name, command, info, proxies, receiver, files, work)
                log(f"{name}: {'PASS' if not found else 'FAIL'} ({len(files)} scenarios)")
                failures.extend(found)
            if "go" in commands and not args.pattern:
                failures.extend(go_readme_examples(info, work))
    finally:
        for p in proxies.values():
            p.close()
        if receiver:
            receiver.close()
        if proc:
            stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if not commands:
        log("no driver ran")
    else:
        log(f"drivers run: {', '.join(commands)}; {'all passed' if not failures else f'{len(failures)} failure(s)'}")
    return 0 if commands and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
