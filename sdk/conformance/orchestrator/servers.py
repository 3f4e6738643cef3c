"""The live server (sdk/testing/live_server.py), the two proxies in front of it and the webhook receiver."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .common import PYTHON, ROOT

LIVE_SERVER = ROOT / "sdk" / "testing" / "live_server.py"
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


class QuietServer(ThreadingHTTPServer):
    """Clients that drop keep-alive connections at exit are no error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """An HTTP server on a free local port, serving in a daemon thread until close()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer_error(h: BaseHTTPRequestHandler, status: int, code: str, message: str, request_id: str,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
    """Answer with the API's error envelope, as the server would, without asking the server."""
    payload = json.dumps({"error": {"code": code, "message": message, "details": {}, "request_id": request_id}}).encode()
    h.send_response(status)
    for name, value in (("Content-Type", "application/json"), *headers, ("Content-Length", str(len(payload)))):
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(payload)


class Proxy(LocalServer):
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

        super().__init__(Handler)

    def forward(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        key = f"{h.command} {h.path}"
        if self.mode == "flaky" and "conformance-500" in h.path:
            with self.lock:
                self.seen[key] = self.seen.get(key, 0) + 1
            answer_error(h, 500, "INTERNAL_ERROR", "conformance: a server error on purpose", "conformance-500")
            return
        if self.mode == "flaky":
            with self.lock:
                count = self.seen.get(key, 0)
                self.seen[key] = count + 1
            if count == 0:
                answer_error(h, 429, "RATE_LIMITED", "conformance: the first try is refused", "conformance-flaky",
                             (("Retry-After", "1"), ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "0"),
                              ("X-RateLimit-Reset", "0"), ("X-Request-Id", "conformance-flaky")))
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


class Receiver(LocalServer):
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

        super().__init__(Handler)


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
