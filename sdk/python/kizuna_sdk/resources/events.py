"""The event log, as pages and as a live stream (kizuna_sdk.sse). Paths follow docs/api.md exactly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..models import Event
from .base import ResourceGroup

if TYPE_CHECKING:
    from ..transport import Paginator


class Events(ResourceGroup):
    def list(
        self, org: str, repo: str, *, type: str | None = None, actor: str | None = None,
        after_id: int | None = None, per_page: int | None = 100,
    ) -> Paginator[Event]:
        params = {"type": type, "actor": actor, "after_id": after_id, "per_page": per_page}
        return self._client.paginate(f"{self._repo(org, repo)}/events", params, Event)

    def stream(
        self, org: str | None = None, repo: str | None = None, last_event_id: int | str | None = None, *,
        max_reconnects: int | None = None, read_timeout: float = 45.0,
    ) -> Iterator[Event]:
        """Server-Sent Events of one repository (org and repo) or of every repo the caller can read.

        An endless iterator: on a dropped connection it reconnects (waiting the server's `retry:`)
        and resumes after the last event it yielded, sending `Last-Event-ID`. Errors that a retry
        cannot fix (401, 403, 404, 422) are raised. Close it with `.close()` or by leaving the loop.
        """
        from ..sse import stream_events

        if (org is None) != (repo is None):
            raise ValueError("pass both org and repo for a repository stream, or neither for /user/events/stream")
        path = f"{self._repo(org, repo)}/events/stream" if org is not None and repo is not None else "/user/events/stream"
        return stream_events(self._client, path, last_event_id=last_event_id, max_reconnects=max_reconnects, read_timeout=read_timeout)
