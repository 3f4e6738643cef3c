"""Exceptions raised by the SDK: one `KizunaError` subclass per API error code (docs/api.md §2)."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "KizunaError",
    "KizunaConnectionError",
    "KizunaTimeoutError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "ValidationError",
    "ConflictError",
    "NotMergeableError",
    "RateLimitedError",
    "GoneError",
    "ServerError",
    "error_from_response",
]

# Codes for statuses whose body is not Kizuna's envelope (a proxy's HTML page, say).
_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    410: "GONE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    416: "RANGE_NOT_SATISFIABLE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class KizunaError(Exception):
    """Any failure talking to Kizuna. `status` is None when no HTTP answer arrived."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "ERROR",
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details: dict[str, Any] = details if isinstance(details, dict) else {}
        self.request_id = request_id
        self.response = response

    def __str__(self) -> str:
        parts = [f"{self.status} " if self.status is not None else "", f"{self.code}: {self.message}"]
        if self.details:
            parts.append(f" {self.details}")
        if self.request_id:
            parts.append(f" (request_id={self.request_id})")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class KizunaConnectionError(KizunaError):
    """The server could not be reached (wrong base URL, connection refused, DNS failure…)."""


class KizunaTimeoutError(KizunaConnectionError):
    """The server did not answer within the client's timeout."""


class UnauthorizedError(KizunaError):
    """401: token missing, malformed, unknown, expired or revoked."""


class ForbiddenError(KizunaError):
    """403: the caller can see the resource but may not do this."""


class NotFoundError(KizunaError):
    """404: missing, or not visible to the caller."""


class ValidationError(KizunaError):
    """422: invalid fields or query parameters; `details` maps field -> [messages]."""


class ConflictError(KizunaError):
    """409: the state changed under the caller."""


class NotMergeableError(KizunaError):
    """405 NOT_MERGEABLE: the pull request cannot be merged."""


class RateLimitedError(KizunaError):
    """429: over the rate limit; `retry_after` is the server's Retry-After in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class GoneError(KizunaError):
    """410: a version, operation or parameter past its sunset date (docs/api.md §18)."""


class ServerError(KizunaError):
    """5xx: the server (or a proxy in front of it) failed."""


_BY_CODE: dict[str, type[KizunaError]] = {
    "UNAUTHORIZED": UnauthorizedError,
    "FORBIDDEN": ForbiddenError,
    "NOT_FOUND": NotFoundError,
    "VALIDATION_ERROR": ValidationError,
    "CONFLICT": ConflictError,
    "NOT_MERGEABLE": NotMergeableError,
    "RATE_LIMITED": RateLimitedError,
    "GONE": GoneError,
}
_BY_STATUS: dict[int, type[KizunaError]] = {
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: ValidationError,
    429: RateLimitedError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    import datetime as _dt

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


def error_class(status: int, code: str | None) -> type[KizunaError]:
    if code and code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return KizunaError


def error_from_response(response: httpx.Response) -> KizunaError:
    """Build the right exception for an error response, whatever its body is."""
    status = response.status_code
    request_id = response.headers.get("X-Request-Id")
    envelope = None
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type.lower():
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            envelope = body["error"]
    if envelope is not None:
        code = str(envelope.get("code") or _STATUS_CODES.get(status, f"HTTP_{status}"))
        message = str(envelope.get("message") or "")
        details = envelope.get("details") if isinstance(envelope.get("details"), dict) else {}
        request_id = envelope.get("request_id") or request_id
    else:
        code = _STATUS_CODES.get(status, f"HTTP_{status}")
        snippet = " ".join(response.text[:200].split()) if response.content else ""
        kind = content_type.split(";")[0].strip() or "no content type"
        message = (
            f"HTTP {status} from {response.request.method} {response.request.url} with a non-JSON body ({kind})"
            + (f": {snippet!r}" if snippet else "")
            + " — is base_url a Kizuna server, or is a proxy in front of it failing?"
        )
        details = {}
    cls = error_class(status, code)
    kwargs: dict[str, Any] = dict(status=status, code=code, details=details, request_id=request_id, response=response)
    if cls is RateLimitedError:
        kwargs["retry_after"] = parse_retry_after(response.headers.get("Retry-After"))
    return cls(message, **kwargs)
