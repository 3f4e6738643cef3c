"""A tool call is one REST request, run in-process through Django's whole request path.

The request carries the MCP caller's own `Authorization` header and client address, so the
authorization policy, the rate limiter (each tool call counts as one request), the services and the
events see exactly what a REST call would: the same actor, the same `on_behalf_of`, the same answer.
"""

import io
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.handlers.wsgi import WSGIHandler

API_ROOT = "/api/v1"
_handler = None


@dataclass
class RestAnswer:
    status: int
    content_type: str
    body: bytes
    link: str = ""

    def json(self):
        return json.loads(self.body or b"null")


def _wsgi_handler() -> WSGIHandler:
    global _handler
    if _handler is None:
        _handler = WSGIHandler()  # loads the middleware once per process
    return _handler


def call(*, method: str, path: str, query: dict, body: dict | None, authorization: str, client: str,
         host: str, scheme: str, request_id: str = "", forwarded_for: str = "") -> RestAnswer:
    """Run `method API_ROOT+path?query` with `body` as the caller (synchronously, in this thread).

    `client` is the MCP request's peer and `forwarded_for` its X-Forwarded-For: both are handed on as
    they came, so kizuna.api.client_address decides the tool call's address exactly as for a REST call
    (the header counts only when the peer is a trusted proxy)."""
    payload = json.dumps(body).encode() if body is not None else b""
    server, _, port = host.partition(":")
    environ = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": API_ROOT + path,
        "QUERY_STRING": urlencode({k: v for k, v in query.items() if v is not None}, doseq=True),
        "SERVER_NAME": server or "localhost",
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client,
        "HTTP_HOST": host,
        "HTTP_AUTHORIZATION": authorization,
        "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "application/json" if body is not None else "",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": scheme,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if request_id:
        environ["HTTP_X_REQUEST_ID"] = request_id
    if forwarded_for:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    holder = {}

    def start_response(status, headers, exc_info=None):
        holder["status"] = int(status.split(" ", 1)[0])
        holder["headers"] = {name.lower(): value for name, value in headers}

    chunks = _wsgi_handler()(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    headers = holder["headers"]
    return RestAnswer(holder["status"], headers.get("content-type", ""), content, headers.get("link", ""))


def next_page(link: str) -> int | None:
    """The `page` of the `rel="next"` URL in a Link header."""
    for part in link.split(","):
        if 'rel="next"' in part:
            url = part.split(";", 1)[0].strip().strip("<>")
            pages = parse_qs(urlsplit(url).query).get("page")
            if pages and pages[0].isdigit():
                return int(pages[0])
    return None
