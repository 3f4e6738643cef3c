"""OpenAPI: the error envelope per status, pagination and rate-limit headers on every operation."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. VALIDATION_ERROR")
    message = serializers.CharField()
    details = serializers.DictField(help_text="field -> [messages] for VALIDATION_ERROR; a small hint otherwise")
    request_id = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "BAD_REQUEST: the body is not valid JSON or not an object",
    "401": "UNAUTHORIZED: missing, malformed, unknown, expired or revoked token",
    "403": "FORBIDDEN: role, token scope or agent trust level too low",
    "404": "NOT_FOUND: missing, or not visible to the caller",
    "405": "METHOD_NOT_ALLOWED (or NOT_MERGEABLE on merge)",
    "409": "CONFLICT: the resource changed under the request",
    "413": "PAYLOAD_TOO_LARGE",
    "415": "UNSUPPORTED_MEDIA_TYPE",
    "422": "VALIDATION_ERROR: invalid fields or query parameters",
    "429": "RATE_LIMITED: see Retry-After",
    "500": "INTERNAL_ERROR",
    "503": "SERVICE_UNAVAILABLE: the database is unreachable for a moment; retry",
}
SAFE_ERRORS = ("400", "401", "403", "404", "405", "422", "429", "500", "503")
UNSAFE_ERRORS = ("400", "401", "403", "404", "405", "409", "413", "415", "422", "429", "500", "503")

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": ("integer", "Requests allowed in the current window"),
    "X-RateLimit-Remaining": ("integer", "Requests left in the current window"),
    "X-RateLimit-Reset": ("integer", "Epoch seconds when the window resets"),
    "X-RateLimit-Used": ("integer", "Requests made in the current window"),
    "X-RateLimit-Resource": ("string", "Always `core`"),
    "X-Request-Id": ("string", "The request's id (echoed when the caller sent a sane one)"),
}
LIST_HEADERS = {
    "Link": ("string", "RFC 8288 links: first, prev, next, last (only those that apply)"),
    "X-Total-Count": ("integer", "Total matching items (omitted above 10,000)"),
}


def _headers(spec: dict) -> dict:
    return {name: {"schema": {"type": typ}, "description": desc} for name, (typ, desc) in spec.items()}


class KizunaAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        # Reads under the default permission are open to anonymous callers (public repositories).
        from .permissions import TokenScopePermission

        perms = [type(p) for p in self.view.get_permissions()]
        if self.method in ("GET", "HEAD") and perms == [TokenScopePermission] and {} not in auths:
            auths.append({})
        return auths

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if getattr(self.view, "rate_limited", True):  # the health check is not (throttling.EXEMPT_PATHS)
            headers.update(_headers(RATE_LIMIT_HEADERS))
        else:
            headers["X-Request-Id"] = _headers(RATE_LIMIT_HEADERS)["X-Request-Id"]
        if str(status_code) == "429":
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds to wait"}
        if str(status_code) == "200" and self._is_list_view():
            headers.update(_headers(LIST_HEADERS))
        return headers

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        safe = self.method in ("GET", "HEAD", "OPTIONS")
        error_ref = self.resolve_serializer(ErrorSerializer, direction).ref
        for code in SAFE_ERRORS if safe else UNSAFE_ERRORS:
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "headers": self._get_response_headers_for_code(code, direction),
                    "content": {"application/json": {"schema": error_ref}},
                },
            )
        if safe and "304" not in responses:
            responses["304"] = {"description": "Not Modified (If-None-Match matched the ETag)",
                                "headers": _headers(RATE_LIMIT_HEADERS)}
        return responses
