"""Request ids, the error envelope for everything under /api/, and rate limiting."""

import io
import json
import logging
import re
import sys
import time
import uuid

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from kizuna import versions

from . import pool, throttling
from .errors import CODE_BY_STATUS, RETRY_AFTER_DB_SECONDS, DatabaseUnavailable, envelope
from .fields import is_digits, timestamp
from .on_loop import OnLoop

logger = logging.getLogger("kizuna.api")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX) or request.path == "/api"


class RequestIdMiddleware(OnLoop):
    """Echo a sane caller-sent X-Request-Id, else mint a UUID; every response carries it."""

    def process_request(self, request):
        sent = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: it parses every header
        request.request_id = sent if SANE_REQUEST_ID.match(sent) else str(uuid.uuid4())

    def process_response(self, request, response):
        response["X-Request-Id"] = getattr(request, "request_id", None) or str(uuid.uuid4())
        return response


class ApiErrorMiddleware(OnLoop):
    """Whatever never reached DRF's exception handler — unknown URLs, Django's 404/405/500, oversize
    bodies — still answers in the envelope under /api/."""

    def in_thread(self, phase, request, *args):
        return phase == "view" and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()  # reads the body

    def process_request(self, request):
        if not is_api(request):
            return None
        if len(request.path_info) > 1 and request.path_info.endswith("/"):
            # A trailing slash is accepted without a redirect, so POST bodies are never lost.
            request.path_info = request.path_info.rstrip("/")
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A NUL in the path answers 404 and oversize bodies 413, before the view runs. Runs after the
        rate limiter counted the request (process_request), so these carry the X-RateLimit-* headers too."""
        if not is_api(request):
            return None
        if "\x00" in request.path_info:
            # No login, name or number holds NUL, and PostgreSQL refuses it in a query (a 500): 404.
            return self._error(request, 404)
        limit = settings.KIZUNA_MAX_BODY_BYTES
        length = request.META.get("CONTENT_LENGTH")
        if length:
            if is_digits(length) and int(length) > limit:
                return self._error(request, 413, details={"limit_bytes": limit})
            return None
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self._buffer_chunked(request, limit)
        return None

    def _buffer_chunked(self, request, limit: int):
        """A chunked body has no Content-Length, so Django (WSGI) and DRF would read it as empty.
        Read at most limit+1 bytes of it: over the limit is 413, otherwise the body becomes a normal
        sized one for the parsers."""
        if isinstance(request, WSGIRequest):
            stream = request.environ.get("wsgi.input")  # gunicorn hands over the de-chunked body
        else:
            stream = getattr(request, "_stream", None)  # ASGI: the spooled body
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            return self._error(request, 413, details={"limit_bytes": limit})
        request._stream = io.BytesIO(data)
        request._read_started = False
        request.META["CONTENT_LENGTH"] = str(len(data))
        return None

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, DatabaseUnavailable):
            return database_unavailable(request, exception)
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return self._error(request, 500)

    def process_response(self, request, response):
        if not is_api(request):
            return response
        if response.status_code == 500 and getattr(request, "_kizuna_db_unavailable", False):
            # Safety net: another middleware (sessions, messages…) lost the database and Django
            # already turned that into a 500 (see _note_database_unavailable): 503, not 500.
            response = database_unavailable(request)
        patch_vary_headers(response, ("Authorization",))
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not getattr(response, "streaming", False) and "json" not in content_type:
            body = envelope(response.status_code, request_id=getattr(request, "request_id", None))
            response.content = json.dumps(body).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response

    @staticmethod
    def _error(request, status: int, **kwargs):
        return error_response(request, status, **kwargs)


def error_response(request, status: int, **kwargs) -> JsonResponse:
    body = envelope(status, code=CODE_BY_STATUS.get(status), request_id=getattr(request, "request_id", None), **kwargs)
    return JsonResponse(body, status=status)


def database_unavailable(request, exception=None) -> JsonResponse:
    """The database dropped or refused the connection (restart, failover, pg_terminate_backend): a
    retryable 503 in the envelope. Nothing else to do here: the connection is marked as having seen
    an error, so at the end of the request (request_finished → close_old_connections) Django finds
    it unusable and closes it, and the next request connects afresh."""
    if exception is not None:
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
    response = error_response(request, 503, details={"reason": "database unavailable"})
    response["Retry-After"] = str(RETRY_AFTER_DB_SECONDS)
    return response


@receiver(got_request_exception)
def _note_database_unavailable(sender, request=None, **kwargs):
    """Safety net for middleware that is not ours. Django turns an exception raised in a middleware
    into a plain 500 (logged as "Internal Server Error") before any outer middleware sees it, so
    middleware that queries the database must answer the 503 itself (RateLimitMiddleware does);
    for any other, remember that it was the database going away so the 500 becomes a 503."""
    if request is not None and isinstance(sys.exc_info()[1], DatabaseUnavailable):
        request._kizuna_db_unavailable = True


class RateLimitMiddleware(OnLoop):
    """Counts every /api/ request once (not 304s) and writes X-RateLimit-* on every answer."""

    def in_thread(self, phase, request, *args):
        if phase == "request":  # the credentials' lookup and the counter store
            return is_api(request)
        state = getattr(request, "rate_limit", None)
        return phase == "response" and state is not None and state.counted and args[0].status_code == 304

    def in_thread_runner(self, phase, method):
        """The lookup and the count run on the loop's shared pool, whose threads keep their database
        connection: a request's own thread is new for each request, and its first query opened a
        connection (SQLite reads the whole schema: ~4 ms, a third of a stream's connect)."""
        return pool.db(method) if phase == "request" else super().in_thread_runner(phase, method)

    def process_request(self, request):
        if not is_api(request):
            return None
        if request.path_info in throttling.EXEMPT_PATHS:
            # The health check reads no credentials and is never counted nor refused: its headers
            # show the client address's Default tier as it stands.
            request.rate_limit = throttling.peek(f"ip:{throttling.client_ip(request)}", settings.KIZUNA_RATE_LIMIT_DEFAULT)
            return None
        try:
            # The first query of an authenticated request (token lookup, or the session's user).
            key, limit = throttling.identify(request)
        except DatabaseUnavailable as exc:
            # Answered here: an exception leaving a middleware would become Django's 500 first. Under
            # ASGI this ran on a pool thread that keeps its connection: drop it if it is dead.
            pool.drop_broken_connections()
            return database_unavailable(request, exc)
        if request.path_info in throttling.PEEK_PATHS and request.method in ("GET", "HEAD") \
                and not throttling.credentials_rejected(request):
            # GET /rate_limit shows the caller's count without spending one (a bad token still counts).
            request.rate_limit = throttling.peek(key, limit)
            return None
        state = throttling.hit(key, limit)
        request.rate_limit = state
        if not state.allowed:
            response = JsonResponse(envelope(429, request_id=getattr(request, "request_id", None)), status=429)
            response["Retry-After"] = str(max(1, state.reset - int(time.time())))
            return response
        return None

    def process_response(self, request, response):
        state = getattr(request, "rate_limit", None)
        if state is None:
            return response
        if response.status_code == 304 and state.counted:
            throttling.undo(state)
            state.used -= 1
        for name, value in state.headers().items():
            response[name] = value
        return response


VERSION_PATH = re.compile(r"^/api/(v[0-9]+)(?:/|$)")


class VersionMiddleware(OnLoop):
    """docs/api.md §18, from the registry in kizuna.versions: `/api/vN/…` for an unknown N is 404 and for a
    sunset one 410, both naming the supported versions; a deprecated version, operation, query
    parameter sent or response field answers with `Deprecation`, `Sunset` and `Link rel="deprecation"`;
    an operation or a parameter past its sunset is 410 `GONE`, a field past its sunset is left out
    (KizunaJSONRenderer). Runs after the rate limiter, so these answers count and carry its headers."""

    def process_request(self, request):
        match = VERSION_PATH.match(request.path_info)
        if not match:
            return None
        registry, now = versions.registry(), versions.now()
        version = registry.version(match.group(1))
        if version is None:
            return error_response(request, 404, message=f"No API version {match.group(1)}",
                                  details={"supported_versions": registry.supported(now)})
        request.kizuna_version = version
        request.kizuna_deprecated = [version] if version.is_deprecated() else []
        if version.is_sunset(now):
            return error_response(request, 410, message=f"API {version.name} was sunset on {timestamp(version.sunset)}",
                                  details={"sunset_at": timestamp(version.sunset),
                                           "supported_versions": registry.supported(now)})
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        version = getattr(request, "kizuna_version", None)
        match = getattr(request, "resolver_match", None)
        registry = versions.registry()
        if version is None or match is None or not registry.deprecations:
            return None
        split = versions.split_route(match.route)
        if split is None:
            return None
        items = registry.for_operation(split[0], request.method, split[1])
        if not items:
            return None
        now = versions.now()
        request.kizuna_fields = []
        request.kizuna_gone_fields = set()
        for item in items:
            if item.field:
                if item.is_sunset(now):
                    request.kizuna_gone_fields.add(item.field)
                else:
                    request.kizuna_fields.append(item)
                continue
            if item.parameter and item.parameter not in request.GET:
                continue
            request.kizuna_deprecated.append(item)
            if item.is_sunset(now):
                details = {"sunset_at": timestamp(item.sunset), "notes": item.notes}
                if item.parameter:
                    details["parameter"] = item.parameter
                return error_response(request, 410, message=f"{item.what} was sunset on {timestamp(item.sunset)}",
                                      details=details)
        return None

    def process_response(self, request, response):
        touched = list(getattr(request, "kizuna_deprecated", ()))
        if 200 <= response.status_code < 300 or response.status_code == 304:
            touched += getattr(request, "kizuna_fields", ())
        if touched:
            deprecation_headers(response, touched)
        return response


def deprecation_headers(response, touched) -> None:
    """RFC 9745 `Deprecation` (the earliest date among what the request touched), RFC 8594 `Sunset`
    (the earliest sunset) and one `Link rel="deprecation"` per notes URL, after any pagination links."""
    response["Deprecation"] = f"@{int(min(item.deprecated for item in touched).timestamp())}"
    sunsets = [item.sunset for item in touched if item.sunset is not None]
    if sunsets:
        response["Sunset"] = http_date(min(sunsets).timestamp())
    notes = list(dict.fromkeys(item.notes for item in touched if item.notes))
    if notes:
        links = ", ".join(f'<{url}>; rel="deprecation"; type="text/html"' for url in notes)
        response["Link"] = f"{response['Link']}, {links}" if response.has_header("Link") else links
