"""events.stream(): parsing and reconnect-with-Last-Event-ID, against a stub SSE server."""

from __future__ import annotations

import json

import pytest

from conftest import Sleeps
from kizuna_sdk import KizunaClient, KizunaConnectionError, UnauthorizedError
from kizuna_sdk.sse import parse_frames


def sse_server(stub, batches):
    """Each connection gets the next batch of frames, then the server closes the stream."""
    seen = []

    def answer(handler):
        seen.append(dict(handler.headers))
        index = len(seen) - 1
        if index >= len(batches):
            payload = b'{"error": {"code": "UNAUTHORIZED", "message": "stop", "details": {}}}'
            handler.send_response(401)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(batches[index].encode())
        handler.wfile.flush()
        handler.close_connection = True

    return stub(answer), seen


def frame(event_id, type_, **payload):
    return f"id: {event_id}\nevent: {type_}\ndata: {json.dumps({'id': event_id, 'type': type_, **payload})}\n\n"


def test_stream_reconnects_and_resumes_after_the_last_event(stub):
    s, seen = sse_server(stub, [
        "retry: 250\n\n: keepalive\n\n" + frame(7, "issue.opened", payload={"n": 1}) + frame(8, "comment.created"),
        "retry: 250\n\n" + frame(9, "push"),
    ])
    client = KizunaClient(s.url, "kzp_t")
    client._sleep = Sleeps()
    stream = client.events.stream("my-org", "my-repo", last_event_id=6)
    events = [next(stream) for _ in range(3)]
    stream.close()
    assert [e.id for e in events] == [7, 8, 9]
    assert events[0].type == "issue.opened" and events[0].payload.n == 1
    assert s.requests[0]["path"] == "/api/v1/repos/my-org/my-repo/events/stream"
    assert seen[0]["Last-Event-ID"] == "6"
    assert seen[1]["Last-Event-ID"] == "8"
    assert client._sleep == [0.25]


def test_stream_raises_what_reconnecting_cannot_fix(stub):
    s, seen = sse_server(stub, [frame(1, "push")])
    client = KizunaClient(s.url, "kzp_t")
    client._sleep = Sleeps()
    stream = client.events.stream()
    assert next(stream).id == 1
    with pytest.raises(UnauthorizedError):
        next(stream)
    assert s.requests[0]["path"] == "/api/v1/user/events/stream"
    assert seen[1]["Last-Event-ID"] == "1"


def test_stream_gives_up_after_max_reconnects(refused_url):
    client = KizunaClient(refused_url, "kzp_t")
    client._sleep = Sleeps()
    with pytest.raises(KizunaConnectionError):
        next(client.events.stream(max_reconnects=2))
    assert len(client._sleep) == 2


def test_stream_needs_both_org_and_repo():
    with pytest.raises(ValueError):
        KizunaClient("http://127.0.0.1:1", "t").events.stream("org")


def test_parse_frames_multiline_and_comments():
    lines = ["retry: 3000", "", ": keepalive", "", "id: 5", "event: x", "data: a", "data: b", "", "data: tail"]
    assert list(parse_frames(iter(lines))) == [{"retry": 3000}, {"id": "5", "event": "x", "data": "a\nb"}]
