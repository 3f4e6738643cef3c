"""The per-process hub: one per event loop reads new events from the database once, in id order, into
a bounded buffer and wakes every stream of that loop (the package's docstring tells how). With Redis,
`publish_on_commit` wakes every process's hub when an event commits; each hub also polls."""

import asyncio
import bisect
import json
import logging
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from kizuna import policy, pubsub
from kizuna.api import pool
from kizuna.statements import statement

from ..models import Event
from ..payloads import event_json, with_root

logger = logging.getLogger("kizuna.events.streams")
EVENTS_CHANNEL = "kizuna:events"  # Redis: a committed event's id
BATCH = 500


@dataclass
class Entry:
    id: int
    meta: tuple  # (repository_id, repository's namespace_id, visibility)
    data: dict  # event_json with API paths for URLs (`render` prefixes the stream's root)
    rendered: dict = field(default_factory=dict)  # base URL -> SSE frame, encoded


def _entry(event) -> Entry:
    repo = event.repository
    meta = (repo.pk, repo.namespace_id, repo.visibility) if repo is not None else (None, None, None)
    return Entry(event.pk, meta, event_json(event))


def render(entry: Entry, base: str) -> bytes:
    """The event's SSE frame at `base`, serialized and encoded once for every stream that reached the
    server at that root (what each stream may read is decided before, per stream)."""
    frame = entry.rendered.get(base)
    if frame is None:
        data = with_root(entry.data, base)
        frame = f"id: {entry.id}\nevent: {entry.data['type']}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        frame = frame.encode()
        if len(entry.rendered) < 8:
            entry.rendered[base] = frame
    return frame


def _events():
    return Event.objects.select_related("repository__namespace", "actor", "on_behalf_of")


def fetch_settled(cursor: int) -> tuple[list[Entry], int, bool]:
    """Events after `cursor` in id order, stopping at a gap younger than the gap wait.

    Returns (entries, new cursor, whether a young gap is pending)."""
    gap = timedelta(seconds=settings.KIZUNA_SSE_GAP_SECONDS)
    rows = list(_events().filter(pk__gt=cursor).order_by("pk")[:BATCH])
    from django.utils import timezone

    old_enough = timezone.now() - gap
    out, expected = [], cursor + 1
    for event in rows:
        if event.pk != expected and event.created_at > old_enough:
            return out, (out[-1].id if out else cursor), True
        out.append(_entry(event))
        expected = event.pk + 1
    return out, (out[-1].id if out else cursor), False


def start_cursor() -> int:
    """Where a hub starts: the last event older than the gap wait (newer ones are re-read)."""
    from django.db.models import Max
    from django.utils import timezone

    gap = timedelta(seconds=settings.KIZUNA_SSE_GAP_SECONDS)
    newest_old = Event.objects.filter(created_at__lte=timezone.now() - gap).aggregate(m=Max("pk"))["m"]
    if newest_old is None:
        first = Event.objects.order_by("pk").values_list("pk", flat=True).first()
        return (first - 1) if first else 0
    return newest_old


def max_event_id() -> int:
    """The newest event's id (0 when there is none): where a fresh stream starts. Every connect asks,
    so the statement is compiled once (kizuna.statements); it reads the primary key's index backwards."""
    rows = statement(("events.max_event_id",), lambda: Event.objects.order_by("-pk").values_list("pk")[:1], {}).rows({})
    return rows[0][0] if rows else 0


def event_exists(pk: int) -> bool:
    return pk == 0 or Event.objects.filter(pk=pk).exists()


def catch_up(viewer: policy.EventViewer, cursor: int, upper: int) -> tuple[list[Entry], int]:
    rows = list(_events().filter(pk__gt=cursor, pk__lte=upper).filter(pk__in=viewer.queryset().filter(
        pk__gt=cursor, pk__lte=upper).values("pk")).order_by("pk")[:BATCH])
    entries = [_entry(e) for e in rows]
    return entries, (upper if len(rows) < BATCH else rows[-1].pk)


class Hub:
    def __init__(self):
        self.cursor: int | None = None  # every event with id <= cursor has been read (or skipped)
        self.covered_from: int | None = None  # the buffer holds every event with id > covered_from
        self.buffer: deque[Entry] = deque()
        self.ids: list[int] = []
        self.subscribers = 0
        self.generation = 0  # counts the hub's reads that moved its cursor
        self.waiters: set[asyncio.Future] = set()  # streams sleeping until the next one
        self.poke = asyncio.Event()
        self.ready = asyncio.Event()
        self.task = None
        self.redis_task = None

    def notify(self):
        self.generation += 1
        waiters, self.waiters = self.waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def run(self):
        try:
            self.cursor = self.covered_from = await pool.db(start_cursor)()
            self.ready.set()
            if settings.REDIS_URL:
                self.redis_task = asyncio.create_task(pubsub.listen(EVENTS_CHANNEL, self.poke.set))
            poll = settings.KIZUNA_SSE_POLL_SECONDS
            if settings.REDIS_URL:
                poll = max(poll, settings.KIZUNA_SSE_REDIS_POLL_SECONDS)
            pending_gap = False
            idle_since = None
            while True:
                try:
                    await asyncio.wait_for(self.poke.wait(), timeout=0.2 if pending_gap else poll)
                except TimeoutError:
                    pass
                self.poke.clear()
                while True:
                    try:
                        entries, cursor, pending_gap = await pool.db(fetch_settled)(self.cursor)
                    except Exception:  # noqa: BLE001 - a DB hiccup: try again on the next tick
                        logger.exception("SSE hub could not read events")
                        break
                    if entries:
                        self.append(entries)
                    if cursor != self.cursor:
                        self.cursor = cursor
                        self.notify()
                    if len(entries) < BATCH:
                        break
                if self.subscribers == 0:
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > settings.KIZUNA_SSE_HUB_IDLE_SECONDS:
                        return
                else:
                    idle_since = None
        finally:
            if self.redis_task:
                self.redis_task.cancel()
            loop = asyncio.get_running_loop()
            if _hubs.get(loop) is self:
                del _hubs[loop]

    def append(self, entries: list[Entry]):
        limit = settings.KIZUNA_SSE_BUFFER
        for entry in entries:
            self.buffer.append(entry)
            self.ids.append(entry.id)
        drop = len(self.buffer) - limit
        if drop > 0:
            for _ in range(drop):
                gone = self.buffer.popleft()
                self.covered_from = gone.id
            del self.ids[:drop]

    def after(self, cursor: int) -> list[Entry]:
        # Indexed from the newest end: every stream asks on every wake, and copying the whole buffer
        # (KIZUNA_SSE_BUFFER, 10,000) to keep its last few entries cost 1,000 streams ~10M copies an event.
        newer = len(self.ids) - bisect.bisect_right(self.ids, cursor)
        return [self.buffer[-i] for i in range(newer, 0, -1)]


class Sleeper:
    """How one stream sleeps between wakes: until its hub reads past the `generation` the stream saw before
    it looked at the buffer (so nothing read meanwhile is missed), or until the stream's own next deadline
    (keepalive, access re-check, end).

    The deadline's timer outlives the sleeps it covers: only an earlier deadline replaces it, and one that
    rings early (a write moved the keepalive later) is a spurious wake after which the stream sleeps
    again. So a wake by the hub costs each stream one future and no timer, and no task: with
    `asyncio.wait_for` each stream made a task, a timer and three trips through the event loop per event,
    and what it made lived until the next event (garbage that a full collection later had to walk)."""

    def __init__(self):
        self.waiter: asyncio.Future | None = None
        self.timer: asyncio.TimerHandle | None = None

    def _ring(self) -> None:
        self.timer = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def sleep(self, hub: "Hub", seen: int, timeout: float) -> None:
        if hub.generation != seen:
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + timeout
        if self.timer is None or self.timer.when() > due:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = loop.call_at(due, self._ring)
        self.waiter = waiter = loop.create_future()
        hub.waiters.add(waiter)
        try:
            await waiter
        finally:
            self.waiter = None
            hub.waiters.discard(waiter)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


async def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.task is None or hub.task.done():
        hub = Hub()
        _hubs[loop] = hub
        hub.task = loop.create_task(hub.run())
    await hub.ready.wait()
    return hub


def publish_on_commit(*, event: Event, **signal) -> None:
    """An event_emitted receiver (only with Redis): wake every hub once the event is committed."""
    pubsub.publish_on_commit(EVENTS_CHANNEL, str(event.pk))
