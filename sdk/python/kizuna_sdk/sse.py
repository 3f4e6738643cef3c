"""A Server-Sent Events reader that reconnects and resumes with `Last-Event-ID` (docs/api.md §13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from .errors import KizunaConnectionError, KizunaError, error_from_response, parse_retry_after
from .models import Event

if TYPE_CHECKING:
    from .transport import BaseClient

# Errors a reconnect cannot fix: raise them instead of looping.
_FATAL = {400, 401, 403, 404, 405, 410, 422}
DEFAULT_RETRY_SECONDS = 3.0


def parse_frames(lines: Iterator[str]) -> Iterator[dict]:
    """SSE lines -> frames {"id", "event", "data", "retry"} (per the WHATWG event-stream format)."""
    frame: dict = {}
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line == "":
            if data or "id" in frame or "retry" in frame:
                if data:
                    frame["data"] = "\n".join(data)
                yield frame
            frame, data = {}, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "id" and "\0" not in value:
            frame["id"] = value
        elif field == "event":
            frame["event"] = value
        elif field == "retry" and value.isdigit():
            frame["retry"] = int(value)


def stream_events(
    client: BaseClient, path: str, *, last_event_id: int | str | None = None,
    max_reconnects: int | None = None, read_timeout: float = 45.0,
) -> Iterator[Event]:
    retry_seconds = DEFAULT_RETRY_SECONDS
    last_id = str(last_event_id) if last_event_id is not None else None
    reconnects = 0
    timeout = httpx.Timeout(client.timeout.connect or 10.0, read=read_timeout)
    while True:
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        wait = retry_seconds
        try:
            with client._http.stream("GET", path, headers=headers, timeout=timeout) as response:
                client.last_response = response
                client._note_deprecation("GET", path, response.headers)
                if response.status_code >= 400:
                    response.read()
                    error = error_from_response(response)
                    if response.status_code in _FATAL:
                        raise error
                    after = parse_retry_after(response.headers.get("Retry-After"))
                    if after is not None:
                        if after > client.max_retry_wait:
                            raise error
                        wait = after
                    raise _Reconnect()
                content_type = response.headers.get("Content-Type", "")
                if "text/event-stream" not in content_type:
                    response.read()
                    raise KizunaError(
                        f"expected text/event-stream from GET {response.request.url}, got {content_type or 'nothing'}",
                        status=response.status_code, code="INVALID_RESPONSE", response=response,
                    )
                reconnects = 0
                for frame in parse_frames(response.iter_lines()):
                    if "retry" in frame:
                        retry_seconds = min(frame["retry"] / 1000.0, client.max_retry_wait)
                    if "data" not in frame:
                        if "id" in frame:
                            last_id = frame["id"]
                        continue
                    try:
                        payload = json.loads(frame["data"])
                    except ValueError:
                        payload = {"data": frame["data"]}
                    if not isinstance(payload, dict):
                        payload = {"data": payload}
                    if "id" in frame:
                        last_id = frame["id"]
                        payload.setdefault("id", int(frame["id"]) if frame["id"].isdigit() else frame["id"])
                    if "event" in frame:
                        payload.setdefault("type", frame["event"])
                    yield Event(payload)
                wait = retry_seconds
        except _Reconnect:
            pass
        except httpx.TransportError:
            pass  # dropped connection, read timeout (no keepalive), refused: reconnect below
        reconnects += 1
        if max_reconnects is not None and reconnects > max_reconnects:
            raise KizunaConnectionError(
                f"event stream {path} lost and not re-established after {max_reconnects} reconnects",
                code="STREAM_LOST",
            )
        client._sleep(wait)


class _Reconnect(Exception):
    pass


__all__ = ["stream_events", "parse_frames"]
