"""OpenAPI: every rule the server enforces, stated where a client can read it (docs/api.md, "Schema").

- Each operation answers the error envelope for every status it can produce, and every answer carries
  the headers Kizuna always sends. Headers are components (`#/components/headers/…`), referenced from
  each response instead of repeated in it.
- Operations are tagged by the resource they act on (`/repos/{org}/{repo}/pulls/…` → `pulls`).
- A response component lists as `required` every field the server always sends: every field of a
  model serializer (a model attribute is never missing), and the declared ones elsewhere.
- Serializers may state what their fields cannot: `request_schema` (keywords merged into the request
  component, e.g. an `if`/`then` between two fields) and `partial_on_patch = False` (PATCH takes the
  whole body, so the fields stay required).
- Numeric ids in paths are integers, as they are in bodies.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from kizuna import versions

from .fields import StrictCharField, timestamp


class ErrorBodySerializer(serializers.Serializer):
    code = StrictCharField(help_text="Machine-readable error code, e.g. VALIDATION_ERROR")
    message = StrictCharField()
    details = serializers.DictField(help_text="field -> [messages] for VALIDATION_ERROR; a small hint otherwise")
    request_id = StrictCharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "BAD_REQUEST: the body is not valid JSON or not an object",
    "401": "UNAUTHORIZED: missing, malformed, unknown, expired or revoked token",
    "403": "FORBIDDEN: role, token scope or agent trust level too low",
    "404": "NOT_FOUND: missing, or not visible to the caller",
    "405": "METHOD_NOT_ALLOWED (or NOT_MERGEABLE on merge)",
    "409": "CONFLICT: the resource changed under the request",
    "412": "PRECONDITION_FAILED: `If-Match` names no current ETag",
    "413": "PAYLOAD_TOO_LARGE",
    "415": "UNSUPPORTED_MEDIA_TYPE",
    "422": "VALIDATION_ERROR: invalid fields or query parameters",
    "429": "RATE_LIMITED: see Retry-After",
    "500": "INTERNAL_ERROR",
    "503": "SERVICE_UNAVAILABLE: the database is unreachable for a moment; retry",
}
SAFE_ERRORS = ("400", "401", "403", "404", "405", "412", "422", "429", "500", "503")
UNSAFE_ERRORS = ("400", "401", "403", "404", "405", "409", "413", "415", "422", "429", "500", "503")

# name: (type, description, required where it is referenced)
HEADERS = {
    "X-RateLimit-Limit": ("integer", "Requests allowed in the current window", True),
    "X-RateLimit-Remaining": ("integer", "Requests left in the current window", True),
    "X-RateLimit-Reset": ("integer", "Epoch seconds when the window resets", True),
    "X-RateLimit-Used": ("integer", "Requests made in the current window", True),
    "X-RateLimit-Resource": ("string", "Always `core`", True),
    "X-Request-Id": ("string", "The request's id (echoed when the caller sent a sane one)", True),
    "Link": ("string", "RFC 8288 links: first, prev, next, last (only those that apply; none for a single page)",
             False),
    "X-Total-Count": ("integer", "Total matching items (counted lists omit it above 10,000 matches; lists whose "
                      "total a counter keeps — issues filtered by state alone, pipelines unfiltered — never do)",
                      False),
    "ETag": ("string", "A strong tag of the representation; send it back in `If-None-Match` (304) or `If-Match`",
             True),
    "Retry-After": ("integer", "Seconds to wait before retrying", True),
    "WWW-Authenticate": ("string", 'The scheme to use: `Bearer realm="kizuna"`', True),
    "Allow": ("string", "The methods this path serves, e.g. `GET, POST`", True),
}
ALWAYS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used",
          "X-RateLimit-Resource", "X-Request-Id")
LIST_HEADERS = ("Link", "X-Total-Count")
HEADERS_BY_STATUS = {"401": ("WWW-Authenticate",), "405": ("Allow",), "429": ("Retry-After",),
                     "503": ("Retry-After",)}

# Path parameters that name a row by its integer id; the URL routes take any string (so that a bad id
# is a 404, not a routing miss), but only an integer can name a row.
INTEGER_PATH_PARAMETERS = {"hook_id", "delivery_id", "job_id", "pipeline_id", "comment_id", "number"}
INTEGER_ID_UNDER = ("/user/tokens/", "/deploy-tokens/")

TAG_DESCRIPTIONS = {
    "repos": "Repositories: create, read, update, delete",
    "branches": "A repository's branches (git)",
    "commits": "A repository's commits (git)",
    "contents": "Files and directories at a ref (git)",
    "issues": "Issues and their comments and labels",
    "labels": "A repository's labels",
    "milestones": "A repository's milestones",
    "pulls": "Pull requests: review, comment, merge",
    "pipelines": "Pipelines and their jobs' logs",
    "runner": "The job protocol agents use to claim, run and report jobs",
    "webhooks": "Repository and organisation webhooks and their deliveries",
    "deploy-tokens": "Tokens for one repository",
    "tokens": "The caller's personal access tokens",
    "events": "The event log, and Server-Sent Events",
    "orgs": "Organisations",
    "members": "An organisation's members and their roles",
    "agents": "AI agents: registration, trust, tokens",
    "user": "The caller",
    "versions": "API versions, their deprecations and the changelog",
    "api": "The API's root: links to where a client starts",
    "users": "Public profiles of users, organisations and agents",
    "rate_limit": "The caller's rate limit (asking does not count)",
    "health": "Health of the database, Redis and git storage, for load balancers",
}


def header_ref(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def header_refs(names) -> dict:
    return {name: header_ref(name) for name in names}


def resource_tag(path: str) -> str:
    """The resource a path acts on: `/repos/{org}/{repo}/pulls/{number}` → `pulls`."""
    parts = [part for part in path.split("/") if part and not part.startswith("{")]
    if parts[:1] == ["agent"]:
        return "runner"
    if parts[:1] in (["repos"], ["orgs"], ["user"]) and len(parts) > 1:
        return parts[1]
    return parts[0] if parts else "api"


class KizunaAutoSchema(AutoSchema):
    def get_tags(self):
        return [resource_tag(self.path.removeprefix("/api/v1"))]

    def get_description(self):
        return super().get_description() or self.get_summary() or ""

    def get_auth(self):
        auths = super().get_auth()
        # Reads under the default permission are open to anonymous callers (public repositories).
        from kizuna.policy.drf import TokenScopePermission

        perms = [type(p) for p in self.view.get_permissions()]
        if self.method in ("GET", "HEAD") and perms == [TokenScopePermission] and {} not in auths:
            auths.append({})
        return auths

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters += [
                OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER,
                                 description="An ETag from an earlier answer: 304 with no body while it is current"),
                OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                                 description="An ETag: 412 unless it is current"),
            ]
        return parameters

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            name = parameter["name"]
            if name in INTEGER_PATH_PARAMETERS or (name == "id" and any(p in self.path for p in INTEGER_ID_UNDER)):
                parameter["schema"] = {"type": "integer"}
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListField) and not field.allow_empty and direction == "request":
            schema.setdefault("minItems", 1)  # DRF refuses [] (allow_empty=False); drf-spectacular omits it
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and isinstance(serializer, serializers.ModelSerializer):
            schema["required"] = list(schema.get("properties", {}))
        extra = getattr(serializer, "request_schema", None)
        if direction == "request" and extra:
            schema.update(extra)
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        if self.method == "PATCH" and getattr(force_instance(serializer), "partial_on_patch", True) is False:
            self.method = "PUT"  # drf-spectacular makes every PATCH body partial; this one is whole
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        headers.update(header_refs(ALWAYS))
        headers.update(header_refs(HEADERS_BY_STATUS.get(str(status_code), ())))
        if str(status_code) == "200" and self._is_list_view():
            headers.update(header_refs(LIST_HEADERS))
        return headers

    def _errors_not_answered(self, safe: bool) -> set[str]:
        """Shared errors this operation cannot answer, from what the server does: no authenticator
        (`GET /health`) means no 401, and without a permission either no 403; a path the rate limiter
        never refuses (throttling.EXEMPT_PATHS, and PEEK_PATHS for a read) has no 429."""
        from . import throttling

        absent = set()
        if not self.view.get_authenticators():
            absent.add("401")
            if not self.view.get_permissions():
                absent.add("403")
        if self.path in throttling.EXEMPT_PATHS or (safe and self.path in throttling.PEEK_PATHS):
            absent.add("429")
        return absent

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        safe = self.method in ("GET", "HEAD", "OPTIONS")
        self.resolve_serializer(ErrorSerializer, direction)  # registers the `Error` component
        absent = self._errors_not_answered(safe)
        for code in SAFE_ERRORS if safe else UNSAFE_ERRORS:
            if code not in absent:
                responses.setdefault(code, {"$ref": f"#/components/responses/Error{code}"})
        if self.method == "GET":
            ok = responses.get("200", {})
            if "application/json" in ok.get("content", {}):  # streams (SSE, logs) are not tagged
                ok.setdefault("headers", {})["ETag"] = header_ref("ETag")
            responses.setdefault("304", {"description": "Not Modified (If-None-Match matched the ETag)"})
            responses["304"].setdefault("headers", {}).update(header_refs((*ALWAYS, "ETag")))
        for response in responses.values():  # drf-spectacular gives bodiless answers (204) no headers
            if "$ref" not in response:
                response.setdefault("headers", {}).update(header_refs(ALWAYS))
        return responses


def postprocess(result, generator, request, public):
    """Components every operation refers to (headers, error responses), and the tags they use."""
    components = result.setdefault("components", {})
    components["headers"] = {
        name: {"schema": {"type": typ}, "description": description, **({"required": True} if required else {})}
        for name, (typ, description, required) in HEADERS.items()
    }
    components["responses"] = {
        f"Error{code}": {
            "description": description,
            "headers": header_refs((*ALWAYS, *HEADERS_BY_STATUS.get(code, ()))),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code, description in ERROR_DESCRIPTIONS.items()
    }
    _drop_unused_schemas(result)
    used = sorted({tag for item in result.get("paths", {}).values() for op in item.values()
                   if isinstance(op, dict) for tag in op.get("tags", ())})
    result["tags"] = [{"name": tag, "description": TAG_DESCRIPTIONS.get(tag, tag)} for tag in used]
    return result


def _drop_unused_schemas(result) -> None:
    """Request twins of read-only nested serializers (COMPONENT_SPLIT_REQUEST) that nothing refers to."""
    import json

    schemas = result["components"].get("schemas", {})
    while True:
        text = json.dumps({key: value for key, value in result.items() if key != "components"}, default=str)
        text += json.dumps({key: value for key, value in result["components"].items() if key != "schemas"}, default=str)
        text += json.dumps(schemas, default=str)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]
# --- Versions and deprecations (docs/api.md §18, kizuna/versions.py) ---------------------------------

DEPRECATION_HEADERS = {
    "Deprecation": {"schema": {"type": "string", "pattern": "^@[0-9]+$"},
                    "description": "RFC 9745: `@<unix time>` when what this request touched is (or will be) deprecated"},
    "Sunset": {"schema": {"type": "string"},
               "description": "RFC 8594: the HTTP-date from which it answers 410 GONE"},
    "Link": {"schema": {"type": "string"},
             "description": 'RFC 8288 links: `<notes>; rel="deprecation"` (after the pagination links of a list)'},
}
GONE_RESPONSE_DESCRIPTION = "GONE: past its sunset date (see the Sunset header and details.sunset_at)"


def _mark(target: dict, items) -> None:
    """`deprecated: true` with the earliest dates among `items` and the notes of the first."""
    target["deprecated"] = True
    target["x-deprecated-at"] = timestamp(min(item.deprecated for item in items))
    sunsets = [item.sunset for item in items if item.sunset is not None]
    if sunsets:
        target["x-sunset-at"] = timestamp(min(sunsets))


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
            "headers": {**header_refs(ALWAYS), **DEPRECATION_HEADERS},
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
