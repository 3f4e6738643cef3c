"""OpenAPI: the error envelope per status, pagination and rate-limit headers on every operation."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from kizuna import versions


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
        headers.update(_headers(RATE_LIMIT_HEADERS))
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


# --- Versions and deprecations (API.md §18, kizuna/versions.py) ---------------------------------

DEPRECATION_HEADERS = {
    "Deprecation": {"schema": {"type": "string", "pattern": "^@[0-9]+$"},
                    "description": "RFC 9745: `@<unix time>` when what this request touched is (or will be) deprecated"},
    "Sunset": {"schema": {"type": "string"},
               "description": "RFC 8594: the HTTP-date from which it answers 410 GONE"},
    "Link": {"schema": {"type": "string"},
             "description": 'RFC 8288 links: `<notes>; rel="deprecation"` (after the pagination links of a list)'},
}
GONE_RESPONSE_DESCRIPTION = "GONE: past its sunset date (see the Sunset header and details.sunset_at)"


def _stamp(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def _mark(target: dict, items) -> None:
    """`deprecated: true` with the earliest dates among `items` and the notes of the first."""
    target["deprecated"] = True
    target["x-deprecated-at"] = _stamp(min(item.deprecated for item in items))
    sunsets = [item.sunset for item in items if item.sunset is not None]
    if sunsets:
        target["x-sunset-at"] = _stamp(min(sunsets))


def _response_component(result: dict, response: dict) -> dict | None:
    """The object schema of a response: through `$ref`s and, for a list, to its items."""
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}
    components = result.get("components", {}).get("schemas", {})
    for _ in range(4):
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            schema = components.get(ref.rsplit("/", 1)[1], {})
        elif "items" in schema:
            schema = schema["items"]
        else:
            break
    return schema if "properties" in schema else None


def _document_deprecations(result: dict, operation: dict, items, fields, gone_fields, notes_url) -> None:
    touched = list(items) + list(fields)
    for code, response in operation.get("responses", {}).items():
        if items or (fields and code.startswith("2")):
            headers = response.setdefault("headers", {})
            for name, spec in DEPRECATION_HEADERS.items():
                headers.setdefault(name, spec)
    if items:
        error_ref = {"$ref": "#/components/schemas/Error"}
        operation["responses"].setdefault("410", {
            "description": GONE_RESPONSE_DESCRIPTION,
            "headers": {**_headers(RATE_LIMIT_HEADERS), **DEPRECATION_HEADERS},
            "content": {"application/json": {"schema": error_ref}},
        })
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        component = _response_component(result, response)
        if not component:
            continue
        properties = component.get("properties", {})
        for item in fields:
            if item.field in properties:
                _mark(properties[item.field], [item])
        for name in gone_fields:
            properties.pop(name, None)
            if name in component.get("required", []):
                component["required"] = [r for r in component["required"] if r != name]
    if touched and notes_url and "externalDocs" not in operation:
        operation["externalDocs"] = {"url": notes_url, "description": "Deprecation notes"}


def versions_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: the schema of one version shows what the registry says.

    Deprecated operations, query parameters and response fields get `deprecated: true`,
    `x-deprecated-at` and `x-sunset-at`, their responses the `Deprecation`/`Sunset`/`Link` headers and a
    410; a deprecated version marks its `info` and every operation. `GET /api` lies outside the
    version's root, so its operation carries its own `servers`."""
    prefix = spectacular_settings.SCHEMA_PATH_PREFIX or "/api/v1"
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    registry, now = versions.registry(), versions.now()
    version = registry.version(name)
    paths = result.get("paths", {})
    for operation in paths.get("/api", {}).values():  # (a path item's own `servers` trips drf-spectacular)
        operation["servers"] = [{"url": "/", "description": "The server's root, outside any version"}]
    if version is None:
        return result
    if version.is_deprecated():
        _mark(result["info"], [version])
    for path, item in paths.items():
        if path == "/api":
            continue
        for method, operation in item.items():
            if method.upper() not in versions.METHODS:
                continue
            declared = registry.for_operation(name, method.upper(), path)
            whole = [d for d in declared if d.kind == "operation"] + ([version] if version.is_deprecated() else [])
            fields = [d for d in declared if d.kind == "field" and not d.is_sunset(now)]
            gone_fields = [d.field for d in declared if d.kind == "field" and d.is_sunset(now)]
            params = [d for d in declared if d.kind == "parameter"]
            for param in operation.get("parameters", []):
                matching = [d for d in params if d.parameter == param.get("name") and param.get("in") == "query"]
                if matching:
                    _mark(param, matching)
            if whole:
                _mark(operation, whole)
            notes = next((d.notes for d in declared + whole if d.notes), None)
            _document_deprecations(result, operation, whole + params, fields, gone_fields, notes)
    return result
