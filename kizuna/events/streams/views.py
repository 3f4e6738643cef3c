"""The two stream views and what each open stream sends: `stream` authorizes, resolves where to
resume and caps the caller's open streams; `frames` follows the hub and writes what the caller may
read, deciding access afresh when an event may have changed it."""

import asyncio
import logging
import random
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from kizuna import policy
from kizuna.api import pool
from kizuna.api.errors import KizunaAPIError, ValidationFailed, exception_handler

from ..filters import parse_event_id
from ..payloads import request_base
from .access import authorize, concerns, recheck_access
from .hub import Sleeper, catch_up, event_exists, get_hub, max_event_id, render
from .schema import RepoStreamSchema, UserStreamSchema, documented_by

logger = logging.getLogger("kizuna.events.streams")


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


def open_stream(request, *, org=None, repo=None) -> tuple[policy.EventViewer, int]:
    """(viewer, where to resume) for a connect, in one trip off the event loop. The token was looked
    up by this request's rate limiter moments ago; the stream's re-checks look it up afresh."""
    viewer = authorize(request, org=org, repo=repo, fresh=False)
    last_id = parse_last_event_id(request)
    if last_id is not None and not event_exists(last_id):
        raise ValidationFailed({"Last-Event-ID": ["is not an event id"]})
    return viewer, (last_id if last_id is not None else max_event_id())


async def stream(request, *, org=None, repo=None):
    if request.method not in STREAM_METHODS:
        response = error_response(request, exceptions.MethodNotAllowed(request.method))
        response["Allow"] = ", ".join(STREAM_METHODS)
        return response
    try:
        viewer, cursor = await pool.db(open_stream)(request, org=org, repo=repo)
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


def jittered(checked: float, recheck: float) -> float:
    """When a stream counts its access as last checked: up to a fifth of the period earlier, so the
    re-checks of streams that connected together spread out (never later: the period stays a bound)."""
    return checked - random.uniform(0, recheck * 0.2)


async def frames(request, viewer: policy.EventViewer, cursor: int, base: str, *, org=None, repo=None):
    pool.release_request_thread()
    hub = await get_hub()
    hub.subscribers += 1
    keepalive = settings.KIZUNA_SSE_KEEPALIVE_SECONDS
    recheck = settings.KIZUNA_SSE_ACCESS_RECHECK_SECONDS
    max_seconds = settings.KIZUNA_SSE_MAX_SECONDS  # 0: a stream lives until the client leaves
    started = time.monotonic()
    sleeper = Sleeper()
    try:
        yield b"retry: 3000\n\n"
        last_write = time.monotonic()
        last_check = jittered(last_write, recheck)  # streams opened in one burst: not re-checked in one
        while True:
            if max_seconds and time.monotonic() - started >= max_seconds:
                return  # the client reconnects with Last-Event-ID
            seen = hub.generation
            if cursor < hub.covered_from:
                try:
                    entries, cursor = await pool.db(catch_up)(viewer, cursor, hub.covered_from)
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
                yield out[0] if len(out) == 1 else b"".join(out)
                last_write = time.monotonic()
            if cursor < hub.covered_from:
                continue  # more catching up to do
            now = time.monotonic()
            if now - last_check >= recheck:
                still, viewer = await recheck_access(request, viewer, org=org, repo=repo, fail_closed=False)
                if not still:
                    return  # access revoked: the stream ends
                last_check = jittered(now, recheck)
            if now - last_write >= keepalive:
                yield b": keepalive\n\n"
                last_write = now
            timeout = max(0.01, min(keepalive - (now - last_write), recheck - (now - last_check)))
            if max_seconds:
                timeout = min(timeout, max(0.01, max_seconds - (now - started)))
            await sleeper.sleep(hub, seen, timeout)
            if hub.task.done():  # the hub went idle or died: attach to a fresh one
                hub.subscribers -= 1
                hub = await get_hub()
                hub.subscribers += 1
    finally:
        sleeper.close()
        hub.subscribers -= 1


# A stream changes nothing, so Django's CSRF check has nothing to protect: without the exemption any
# other method answered CSRF's 403 before the view could say 405 (and Allow).
@documented_by(RepoStreamSchema)
@csrf_exempt
async def repo_event_stream(request, org: str, repo: str):
    return await stream(request, org=org, repo=repo)


@documented_by(UserStreamSchema)
@csrf_exempt
async def user_event_stream(request):
    return await stream(request)
