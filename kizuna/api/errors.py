"""The one error envelope (docs/api.md §2) and the domain exceptions that map onto it."""

import logging

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger("kizuna.api")

CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    410: "GONE",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    416: "RANGE_NOT_SATISFIABLE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
DEFAULT_MESSAGES = {
    "BAD_REQUEST": "Malformed request",
    "UNAUTHORIZED": "Authentication required",
    "FORBIDDEN": "You are not allowed to do this",
    "NOT_FOUND": "Not found",
    "METHOD_NOT_ALLOWED": "Method not allowed",
    "NOT_ACCEPTABLE": "Not acceptable",
    "PRECONDITION_FAILED": "Precondition failed",
    "CONFLICT": "The resource changed under the request",
    "GONE": "Past its sunset date: no longer served",
    "PAYLOAD_TOO_LARGE": "Request body too large",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
    "VALIDATION_ERROR": "Invalid request parameters",
    "RATE_LIMITED": "API rate limit exceeded",
    "INTERNAL_ERROR": "Internal server error",
    "SERVICE_UNAVAILABLE": "Service temporarily unavailable",
}
WWW_AUTHENTICATE = 'Bearer realm="kizuna"'


def envelope(status_code: int, *, code: str | None = None, message: str | None = None, details=None, request_id: str | None = None) -> dict:
    code = code or CODE_BY_STATUS.get(status_code, "ERROR")
    return {
        "error": {
            "code": code,
            "message": message or DEFAULT_MESSAGES.get(code, "Error"),
            "details": details if isinstance(details, dict) else {},
            "request_id": request_id,
        }
    }


class KizunaAPIError(exceptions.APIException):
    """A domain error carrying its own status, code, structured details and any response headers it
    needs (`Content-Range` on a 416, for instance)."""

    status_code = 400
    code = "BAD_REQUEST"
    message = None

    def __init__(self, message: str | None = None, *, details: dict | None = None, headers: dict | None = None):
        self.message = message or self.message or DEFAULT_MESSAGES.get(self.code, "Error")
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(KizunaAPIError):
    """422 with field -> [messages]; raise from services for domain validation."""

    status_code = 422
    code = "VALIDATION_ERROR"

    def __init__(self, details: dict | str, message: str | None = None):
        if isinstance(details, str):
            details = {"non_field_errors": [details]}
        details = {k: (v if isinstance(v, list) else [v]) for k, v in details.items()}
        super().__init__(message, details=details)


class Forbidden(KizunaAPIError):
    status_code = 403
    code = "FORBIDDEN"


class NotFound(KizunaAPIError):
    status_code = 404
    code = "NOT_FOUND"


class Conflict(KizunaAPIError):
    status_code = 409
    code = "CONFLICT"


class NotMergeable(KizunaAPIError):
    status_code = 405
    code = "NOT_MERGEABLE"
    message = "Pull request is not mergeable"


class RangeNotSatisfiable(KizunaAPIError):
    status_code = 416
    code = "RANGE_NOT_SATISFIABLE"


class PayloadTooLarge(KizunaAPIError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class ServiceUnavailable(KizunaAPIError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"


def _flatten_messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _flatten_messages(v)]
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            out.extend(_flatten_messages(item))
        return out
    return [str(value)]


def validation_details(detail) -> dict:
    """DRF's ValidationError detail -> {field: [messages]} with nested errors flattened per field."""
    if isinstance(detail, dict):
        return {str(field): _flatten_messages(msgs) for field, msgs in detail.items()}
    return {"non_field_errors": _flatten_messages(detail)}


# The database dropped the connection or refused it (restart, failover, pg_terminate_backend): a
# clean, retryable 503 instead of a 500. Django discards the broken connection at the end of the
# request, so the next request reconnects by itself.
DatabaseUnavailable = (db.OperationalError, db.InterfaceError)
RETRY_AFTER_DB_SECONDS = 1


def database_unavailable_response(request_id: str | None) -> Response:
    body = envelope(503, request_id=request_id, details={"reason": "database unavailable"})
    return Response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_DB_SECONDS)})


def _request_id(context) -> str | None:
    request = context.get("request") if context else None
    django_request = getattr(request, "_request", request)
    return getattr(django_request, "request_id", None)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes the envelope."""
    headers = {}
    if isinstance(exc, DatabaseUnavailable):
        logger.warning("database unavailable: %s", exc)
        return database_unavailable_response(_request_id(context))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, KizunaAPIError):
        body = envelope(exc.status_code, code=exc.code, message=exc.message, details=exc.details)
        status_code = exc.status_code
        headers.update(exc.headers)
    elif isinstance(exc, exceptions.ValidationError):
        status_code = 422
        body = envelope(422, details=validation_details(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        status_code = 400
        body = envelope(400, message=str(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        status_code = 401
        body = envelope(401, message=str(exc.detail))
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    elif isinstance(exc, exceptions.Throttled):
        status_code = 429
        body = envelope(429)
        if exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait)))
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        message = str(exc.detail) if not isinstance(exc.detail, dict | list) else None
        body = envelope(status_code, message=message)
    else:
        return None  # a real bug: the middleware turns it into a 500 envelope and logs it

    body["error"]["request_id"] = _request_id(context)
    return Response(body, status=status_code, headers=headers)
