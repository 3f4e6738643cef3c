"""Fixtures for events, webhooks and streams: a local webhook receiver that checks both signatures."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest


def verify_both_signatures(secret: str, body: bytes, headers) -> None:
    """What a receiver does: X-Kizuna-Signature and the Standard Webhooks signature must both match."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Kizuna-Signature"], expected), "bad X-Kizuna-Signature"
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    assert msg_id == headers["X-Kizuna-Delivery"]
    assert abs(int(ts) - time.time()) < 300
    signed = f"{msg_id}.{ts}.".encode() + body
    want = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    got = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ") if s.startswith("v1,")]
    assert any(hmac.compare_digest(want, g) for g in got), "bad webhook-signature"


class Receiver:
    """An http.server on 127.0.0.1:0 in a thread. `script` is a list of responses to give in turn
    (status int, ("redirect", location), or "hang"); after it runs out every answer is 200."""

    def __init__(self, secret: str | None = "s3cret"):
        self.secret = secret
        self.requests: list[dict] = []
        self.script: list = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = {"headers": dict(self.headers.items()), "body": body, "path": self.path, "verified": None}
                if receiver.secret is not None:
                    try:
                        verify_both_signatures(receiver.secret, body, self.headers)
                        record["verified"] = True
                    except (AssertionError, KeyError) as exc:
                        record["verified"] = f"FAILED: {exc!r}"
                with receiver.lock:
                    receiver.requests.append(record)
                    action = receiver.script.pop(0) if receiver.script else 200
                if action == "hang":
                    receiver.release.wait(30)
                    return
                if isinstance(action, tuple):
                    self.send_response(302)
                    self.send_header("Location", action[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = b"ok" * 10
                self.send_response(action)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    settings.KIZUNA_WEBHOOK_TIMEOUT = 10  # the whole response's deadline: 1 s could fail a receiver thread starved on a loaded machine
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield


