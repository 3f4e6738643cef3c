"""Server-Sent Events: `/repos/:org/:repo/events/stream` and `/user/events/stream` (docs/api.md §13).

Async Django views: an open stream is a coroutine, not a thread. One `Hub` per event loop (so per
server process) reads new events from the database once, in id order, into a bounded buffer, and
wakes every stream; each stream filters the buffer by what its caller may read. Streams that resume
from further back than the buffer reach read their own catch-up pages from the database.

Fan-out: with `KIZUNA_REDIS_URL` an `on_commit` listener publishes each new event id on a Redis
channel and every hub wakes at once (latency ≈ one DB read, a few ms); without Redis hubs poll the
event table every `KIZUNA_SSE_POLL_SECONDS` (default 1 s, so ≈ 0.5 s on average). Either way the
events themselves come from the database by id, so order and resumption are exact.

Ids are assigned before commit, so on PostgreSQL a smaller id can become visible after a larger one.
The hub only moves past a gap in the ids once the event after it is `KIZUNA_SSE_GAP_SECONDS` old
(default 10 s); a transaction that stays open longer than that after appending its event could be
skipped by live streams (it is still in the log and in `GET …/events`).
"""

import asyncio
import bisect
import json
import logging
import random
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.views import APIView

from kizuna import policy
from kizuna.api.errors import KizunaAPIError, ValidationFailed, exception_handler
from kizuna.api.views import get_repository

from .filters import EVENT_ID_SCHEMA, parse_event_id
from .models import Event
from .payloads import event_json, request_base, with_root

logger = logging.getLogger("kizuna.events.streams")
REDIS_CHANNEL = "kizuna:events"
BATCH = 500


def db(fn):
    """Run ORM code off the event loop on the loop's shared, bounded thread pool (never a thread per
    stream). Each pool thread keeps its database connection between calls (opening one per call
    would dominate the cost of thousands of streams); a broken connection is dropped and the call
    retried, as are transient lock errors (SQLite's shared-cache test databases)."""

    def wrapped(*args, **kwargs):
        for attempt in range(8):
            try:
                return fn(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if attempt == 7:
                    raise
                for conn in connections.all(initialized_only=True):
                    if conn.in_atomic_block:
                        continue
                    if conn.connection is not None and not conn.is_usable():
                        conn.close()
                time.sleep(0.05 * (attempt + 1))

    return sync_to_async(wrapped, thread_sensitive=False)


def release_request_thread() -> None:
    """Django runs sync middleware on a per-request thread; a stream does not need it any more."""
    try:  # asgiref internals: if they move, streams still work, each just keeps an idle thread
        context = SyncToAsync.thread_sensitive_context.get(None)
        if context is not None:
            executor = SyncToAsync.context_to_thread_executor.pop(context, None)
            if executor is not None:
                from django.db import connections

                executor.submit(connections.close_all)  # that thread's DB connection goes with it
                executor.shutdown(wait=False)
    except AttributeError:
        pass


# --- who may see what: kizuna.policy.events decides; this only authenticates -------------------------
def authenticate(request):
    """(principal, token) from a bearer token (checked afresh each call) or the session."""
    from kizuna.api.authentication import bearer_token, lookup_token

    raw = bearer_token(request)
    if raw is not None:
        if not raw:
            raise exceptions.AuthenticationFailed("Bad credentials")
        principal, token = lookup_token(raw)
        policy.check_scope(token, "read")
        return principal, token
    from django.contrib.auth import get_user
    from django.contrib.auth.models import AnonymousUser

    if not hasattr(request, "session"):
        return AnonymousUser(), None
    user = get_user(request)  # verifies the session's auth hash: a changed password ends it
    return (user if user.is_authenticated and user.is_active else AnonymousUser()), None


def authorize(request, *, org=None, repo=None) -> policy.EventViewer:
    """Raise the envelope's errors (401/403/404) unless the caller may open this stream."""
    principal, token = authenticate(request)
    policy.forget_roles(principal)
    repository = get_repository(org, repo) if org is not None else None
    return policy.stream_viewer(principal, token, repo=repository)


def concerns(viewer: policy.EventViewer, entry) -> bool:
    """Whether an event may change what this stream's caller reads: an access-changing event of a
    repository it reads, or one about people, agents or tokens (no repository)."""
    if not policy.changes_access(entry.data["type"]):
        return False
    repo_id = entry.meta[0]
    return repo_id is None or repo_id == viewer.repo_id or viewer.repo_id is None


# --- the per-process hub --------------------------------------------------------------------------
@dataclass
class Entry:
    id: int
    meta: tuple  # (repository_id, repository's namespace_id, visibility)
    data: dict  # event_json with API paths for URLs (`render` prefixes the stream's root)
    rendered: dict = field(default_factory=dict)  # base URL -> SSE frame


def _entry(event) -> Entry:
    repo = event.repository
    meta = (repo.pk, repo.namespace_id, repo.visibility) if repo is not None else (None, None, None)
    return Entry(event.pk, meta, event_json(event))


def render(entry: Entry, base: str) -> str:
    frame = entry.rendered.get(base)
    if frame is None:
        data = with_root(entry.data, base)
        frame = f"id: {entry.id}\nevent: {entry.data['type']}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
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
    from django.db.models import Max

    return Event.objects.aggregate(m=Max("pk"))["m"] or 0


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
        self.changed = asyncio.Event()
        self.poke = asyncio.Event()
        self.ready = asyncio.Event()
        self.task = None
        self.redis_task = None

    def notify(self):
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()

    async def run(self):
        try:
            self.cursor = self.covered_from = await db(start_cursor)()
            self.ready.set()
            if settings.REDIS_URL:
                self.redis_task = asyncio.create_task(self.listen_redis())
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
                        entries, cursor, pending_gap = await db(fetch_settled)(self.cursor)
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
        start = bisect.bisect_right(self.ids, cursor)
        return list(self.buffer)[start:] if start < len(self.ids) else []

    async def listen_redis(self):
        import redis.asyncio as aioredis

        delay = 1.0
        while True:
            client = None
            try:
                client = aioredis.from_url(settings.REDIS_URL)
                pubsub = client.pubsub()
                await pubsub.subscribe(REDIS_CHANNEL)
                delay = 1.0
                self.poke.set()  # read anything published while we were not listening
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.poke.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - fall back to polling until Redis is back
                logger.warning("SSE hub lost Redis; polling until it is back", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                if client is not None:
                    try:
                        await client.aclose()
                    except Exception:  # noqa: BLE001
                        pass


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


# --- publishing (on commit) -----------------------------------------------------------------------
_redis_client = None


def publish_on_commit(event: Event) -> None:
    """EVENT_LISTENERS hook (only with Redis): wake every hub once the event is committed."""

    def publish():
        global _redis_client
        try:
            if _redis_client is None:
                import redis

                _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
            _redis_client.publish(REDIS_CHANNEL, str(event.pk))
        except Exception:  # noqa: BLE001 - hubs still poll
            logger.warning("could not publish event %s to Redis", event.pk, exc_info=True)

    transaction.on_commit(publish)


# --- the views ------------------------------------------------------------------------------------
def error_response(request, exc) -> JsonResponse:
    response = exception_handler(exc, {"request": request})
    if response is None:
        raise exc
    out = JsonResponse(response.data, status=response.status_code)
    for name, value in response.headers.items():
        if name.lower() not in ("content-type",):
            out[name] = value
    return out


def parse_last_event_id(request) -> int | None:
    """The header wins over `?last_event_id=`, but an invalid value in either is a 422."""
    found = None
    for name, raw in (("last_event_id", request.GET.get("last_event_id")), ("Last-Event-ID", request.headers.get("Last-Event-ID"))):
        if raw is not None and raw.strip() != "":
            found = parse_event_id(raw.strip(), name)
    return found


# Open streams per caller in this process (KIZUNA_SSE_MAX_STREAMS_PER_CALLER; docs/api.md §13, OWASP API4).
open_streams: dict[str, int] = {}


class TooManyStreams(KizunaAPIError):
    status_code = 429
    code = "RATE_LIMITED"
    message = "Too many open event streams for this caller"


def caller_key(viewer: policy.EventViewer, request) -> str:
    from kizuna.accounts.principals import principal_kind

    kind = principal_kind(viewer.principal)
    if kind == "anonymous":
        from kizuna.api.client_address import client_ip

        return f"ip:{client_ip(request) or 'unknown'}"
    if kind == "deploy":
        return f"token:{viewer.token.pk}"
    return f"{kind}:{viewer.principal.pk}"


def _release(key: str) -> None:
    left = open_streams.get(key, 0) - 1
    if left > 0:
        open_streams[key] = left
    else:
        open_streams.pop(key, None)


STREAM_METHODS = ("GET", "HEAD")


async def stream(request, *, org=None, repo=None):
    if request.method not in STREAM_METHODS:
        response = error_response(request, exceptions.MethodNotAllowed(request.method))
        response["Allow"] = ", ".join(STREAM_METHODS)
        return response
    try:
        viewer = await db(authorize)(request, org=org, repo=repo)
        last_id = parse_last_event_id(request)
        if last_id is not None and not await db(event_exists)(last_id):
            raise ValidationFailed({"Last-Event-ID": ["is not an event id"]})
        cursor = last_id if last_id is not None else await db(max_event_id)()
        key = caller_key(viewer, request)
        cap = settings.KIZUNA_SSE_MAX_STREAMS_PER_CALLER
        if cap and open_streams.get(key, 0) >= cap:
            response = error_response(request, TooManyStreams(details={"max_streams": cap}))
            response["Retry-After"] = "30"
            return response
    except exceptions.APIException as exc:
        return error_response(request, exc)
    if request.method == "HEAD":  # the answer a GET would start with, and no stream
        response = HttpResponse(content_type="text/event-stream; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        return response
    open_streams[key] = open_streams.get(key, 0) + 1
    base = request_base(request)
    response = StreamingHttpResponse(
        frames(request, viewer, cursor, base, org=org, repo=repo), content_type="text/event-stream; charset=utf-8"
    )
    response._resource_closers.append(lambda: _release(key))  # runs once whenever the response closes
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def recheck_access(request, viewer, *, org, repo, fail_closed: bool) -> tuple[bool, policy.EventViewer]:
    """(may the stream go on, the viewer to judge events with) after deciding access afresh. When the
    database cannot answer: an access-changing event ends the stream (`fail_closed`), the timer's
    backstop keeps serving with what it knew and asks again later."""
    try:
        return True, await db(authorize)(request, org=org, repo=repo)
    except exceptions.APIException:
        return False, viewer
    except Exception:  # noqa: BLE001 - the database is struggling
        logger.warning("SSE access re-check failed%s", "; ending the stream" if fail_closed else "; will retry",
                       exc_info=True)
        return not fail_closed, viewer


async def frames(request, viewer: policy.EventViewer, cursor: int, base: str, *, org=None, repo=None):
    release_request_thread()
    hub = await get_hub()
    hub.subscribers += 1
    keepalive = settings.KIZUNA_SSE_KEEPALIVE_SECONDS
    recheck = settings.KIZUNA_SSE_ACCESS_RECHECK_SECONDS
    max_seconds = settings.KIZUNA_SSE_MAX_SECONDS  # 0: a stream lives until the client leaves
    started = time.monotonic()
    try:
        yield "retry: 3000\n\n"
        last_write = last_check = time.monotonic()
        while True:
            if max_seconds and time.monotonic() - started >= max_seconds:
                return  # the client reconnects with Last-Event-ID
            changed = hub.changed
            if cursor < hub.covered_from:
                try:
                    entries, cursor = await db(catch_up)(viewer, cursor, hub.covered_from)
                except Exception:  # noqa: BLE001 - the database is struggling: wait, then try again
                    logger.warning("SSE catch-up failed; retrying", exc_info=True)
                    await asyncio.sleep(1)
                    continue
                out = [render(e, base) for e in entries]
            else:
                pending = hub.after(cursor)
                # What `pending` covers, taken before any await: the hub may read further while access is
                # re-checked below, and those events are not in `pending` (moving to the hub's cursor then
                # skipped them).
                covered = hub.cursor
                if any(concerns(viewer, e) for e in pending):
                    # Access may have changed (visibility, membership, suspension, revocation): decide
                    # afresh before sending anything newer.
                    still, viewer = await recheck_access(request, viewer, org=org, repo=repo, fail_closed=True)
                    if not still:
                        return  # access revoked (or unconfirmable): the stream ends; the client resumes
                    last_check = time.monotonic()
                out = [render(e, base) for e in pending if viewer.sees(e.meta, e.data["type"])]
                cursor = max(cursor, covered)
            if out:
                yield "".join(out)
                last_write = time.monotonic()
            if cursor < hub.covered_from:
                continue  # more catching up to do
            now = time.monotonic()
            if now - last_check >= recheck:
                still, viewer = await recheck_access(request, viewer, org=org, repo=repo, fail_closed=False)
                if not still:
                    return  # access revoked: the stream ends
                # Jitter spreads the re-checks of streams that connected together.
                last_check = now - random.uniform(0, recheck * 0.2)
            if now - last_write >= keepalive:
                yield ": keepalive\n\n"
                last_write = now
            timeout = max(0.01, min(keepalive - (now - last_write), recheck - (now - last_check)))
            if max_seconds:
                timeout = min(timeout, max(0.01, max_seconds - (now - started)))
            try:
                await asyncio.wait_for(changed.wait(), timeout=timeout)
            except TimeoutError:
                pass
            if hub.task.done():  # the hub went idle or died: attach to a fresh one
                hub.subscribers -= 1
                hub = await get_hub()
                hub.subscribers += 1
    finally:
        hub.subscribers -= 1


# A stream changes nothing, so Django's CSRF check has nothing to protect: without the exemption any
# other method answered CSRF's 403 before the view could say 405 (and Allow).
@csrf_exempt
async def repo_event_stream(request, org: str, repo: str):
    return await stream(request, org=org, repo=repo)


@csrf_exempt
async def user_event_stream(request):
    return await stream(request)


# --- OpenAPI: these async views are not DRF views; schema-only twins document them -----------------
STREAM_PARAMETERS = [
    OpenApiParameter("Last-Event-ID", EVENT_ID_SCHEMA, OpenApiParameter.HEADER, required=False,
                     description="Resume after this event id (the `id:` of the last frame received)."),
    OpenApiParameter("last_event_id", EVENT_ID_SCHEMA, OpenApiParameter.QUERY, required=False,
                     description="Same as the Last-Event-ID header, for clients that cannot set headers."),
]
# One frame of the stream, as SSE clients (and Schemathesis) read it: `data` holds an event's JSON.
SSE_FRAME = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The event's id"},
        "event": {"type": "string", "description": "The event's type, e.g. `issue.opened`"},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"$ref": "#/components/schemas/Event"}},
        "retry": {"type": "integer", "minimum": 0},
    },
    "required": ["id", "event", "data"],
}
STREAM_RESPONSE = {
    (200, "text/event-stream"): OpenApiResponse(
        SSE_FRAME,
        description="`retry: 3000`, then frames `id: <event id>` / `event: <type>` / `data: <event JSON>`, "
                    "and a `: keepalive` comment every 15 s.",
    )
}


class _RepoStreamSchema(APIView):
    @extend_schema(operation_id="repos_events_stream", parameters=STREAM_PARAMETERS, responses=STREAM_RESPONSE,
                   summary="Server-Sent Events of one repository")
    def get(self, request, org: str, repo: str):  # pragma: no cover - documentation only
        raise NotImplementedError


class _UserStreamSchema(APIView):
    @extend_schema(operation_id="user_events_stream", parameters=STREAM_PARAMETERS, responses=STREAM_RESPONSE,
                   summary="Server-Sent Events of every repository the caller can read")
    def get(self, request):  # pragma: no cover - documentation only
        raise NotImplementedError


for _view, _schema in ((repo_event_stream, _RepoStreamSchema), (user_event_stream, _UserStreamSchema)):
    _view.cls = _schema  # drf-spectacular documents a URL whose callback carries a DRF view class
    _view.initkwargs = {}
