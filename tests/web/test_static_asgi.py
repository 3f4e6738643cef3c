"""Static files under ASGI (make run): served whole, as an asynchronous body, without Django's
"StreamingHttpResponse must consume synchronous iterators" warning."""

import asyncio
import warnings

from django.contrib.staticfiles import finders
from django.test import Client


def asgi_get(path: str) -> list[dict]:
    from kizuna.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "root_path": "",
    }
    messages, sent = [], []

    async def receive():
        if not sent:
            sent.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: Django stops listening once the response is sent

    async def send(message):
        messages.append(message)

    asyncio.run(application(scope, receive, send))
    return messages


def test_static_file_under_asgi_without_the_sync_iterator_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        messages = asgi_get("/static/admin/css/base.css")
    assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    with open(finders.find("admin/css/base.css"), "rb") as fh:
        assert body == fh.read()
    assert [str(w.message) for w in caught if "synchronous iterators" in str(w.message)] == []


def test_static_file_under_wsgi_unchanged():
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200 and not response.is_async
    with open(finders.find("admin/css/base.css"), "rb") as fh:
        assert b"".join(response.streaming_content) == fh.read()
