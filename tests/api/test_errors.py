"""docs/api.md §1–§2: every status this platform produces answers in the one envelope, with X-Request-Id."""

import io
import json
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_envelope(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert isinstance(error["details"], dict)
    assert error["request_id"] == response["X-Request-Id"]
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used"):
        assert name in response, name
    return error


@pytest.fixture
def writer(world, api):
    return api(world.tokens["writer"])


def test_malformed_json_is_400(writer):
    response = writer.client.post("/api/v1/repos/w-org", data=b'{"name": ', content_type="application/json")
    assert_envelope(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("body", [b"[1, 2]", b'"name"', b"null", b"42"])
def test_non_object_json_is_400(writer, body):
    response = writer.client.post("/api/v1/repos/w-org", data=body, content_type="application/json")
    assert_envelope(response, 400, "BAD_REQUEST")


def test_non_json_content_type_is_415(writer):
    response = writer.client.post("/api/v1/repos/w-org", data="name=x", content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    response = writer.client.post("/api/v1/repos/w-org", data="name: x", content_type="text/yaml")
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_missing_token_on_protected_endpoint_is_401_with_www_authenticate(api):
    error = assert_envelope(api().get("/user"), 401, "UNAUTHORIZED")
    assert error["message"]
    response = api().post("/orgs", {"login": "x"})
    assert_envelope(response, 401, "UNAUTHORIZED")
    assert response["WWW-Authenticate"] == 'Bearer realm="kizuna"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "Bearer kzp_nonsense", "Basic Zm9vOmJhcg=="])
def test_malformed_credentials_are_401_even_on_public_endpoints(world, api, header):
    response = api().get("/repos/w-org/pub", HTTP_AUTHORIZATION=header)
    assert_envelope(response, 401, "UNAUTHORIZED")
    assert response["WWW-Authenticate"] == 'Bearer realm="kizuna"'


def test_forbidden_is_403(world, api):
    response = api(world.tokens["reader"]).patch("/repos/w-org/pub", {"description": "x"})
    assert_envelope(response, 403, "FORBIDDEN")


# `/api` itself lists the versions (docs/api.md §18, tests/versions).
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/repos/w-org", "/api/nope", "/api/v1/repos/w-org/pub/nothing/here"])
def test_unknown_api_paths_are_404_envelopes(world, path):
    response = Client().get(path)
    assert_envelope(response, 404, "NOT_FOUND")


def test_unknown_api_path_with_unsafe_method_is_404_envelope(world):
    response = Client().post("/api/v2/anything", data="{}", content_type="application/json")
    assert_envelope(response, 404, "NOT_FOUND")


def test_method_not_allowed_is_405(writer):
    response = writer.put("/repos/w-org/pub", {"name": "x"})
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert_envelope(writer.delete("/user"), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("token", [None, "reader"])
@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/repos/w-org/pub", {"GET", "HEAD", "PATCH", "DELETE"}),
    ("OPTIONS", "/repos/w-org/pub", {"GET", "HEAD", "PATCH", "DELETE"}),
    ("DELETE", "/user", {"GET", "HEAD"}),
    ("OPTIONS", "/user", {"GET", "HEAD"}),
])
def test_method_not_allowed_comes_before_permissions(world, api, token, method, path, allowed):
    """405 whoever asks (not 401 to the anonymous, 403 to the unprivileged), and `Allow` lists what the
    path serves: OPTIONS is not one of them (it answers 405 itself)."""
    client = api(world.tokens[token] if token else None).client
    response = client.generic(method, "/api/v1" + path)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_bad_token_is_401_before_method_not_allowed(world, api):
    response = api("kzp_" + "x" * 36).client.put("/api/v1/repos/w-org/pub")
    assert_envelope(response, 401, "UNAUTHORIZED")


def test_body_over_limit_with_content_length_is_413(writer, settings):
    settings.KIZUNA_MAX_BODY_BYTES = 100
    payload = json.dumps({"name": "big", "description": "x" * 200})
    response = writer.client.post("/api/v1/repos/w-org", data=payload, content_type="application/json")
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.json()["error"]["details"] == {"limit_bytes": 100}


def chunked(client, path, payload: bytes, token: str):
    """A request as gunicorn hands a chunked upload to Django: no Content-Length, a terminated input."""
    return client.generic(
        "POST", path, data=b"", CONTENT_TYPE="application/json", CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked", HTTP_AUTHORIZATION=f"Bearer {token}",
        **{"wsgi.input": io.BytesIO(payload), "wsgi.input_terminated": True},
    )


def test_chunked_body_over_limit_is_413(world, settings):
    settings.KIZUNA_MAX_BODY_BYTES = 100
    payload = json.dumps({"name": "big", "description": "x" * 200}).encode()
    response = chunked(Client(), "/api/v1/repos/w-org", payload, world.tokens["writer"])
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_chunked_body_under_limit_is_read(world):
    payload = json.dumps({"name": "chunky", "visibility": "public"}).encode()
    response = chunked(Client(), "/api/v1/repos/w-org", payload, world.tokens["writer"])
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "chunky"


def test_validation_error_is_422_with_field_details(writer):
    error = assert_envelope(writer.post("/repos/w-org", {"name": ".."}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["name"]
    assert all(isinstance(m, str) for m in error["details"]["name"])
    error = assert_envelope(writer.post("/repos/w-org", {}), 422, "VALIDATION_ERROR")
    assert "name" in error["details"]


def test_rate_limited_is_429_with_retry_after(world, api, settings):
    settings.KIZUNA_RATE_LIMIT_DEFAULT = 1
    assert api().get("/repos/w-org/pub").status_code == 200
    response = api().get("/repos/w-org/pub")
    assert_envelope(response, 429, "RATE_LIMITED")
    assert int(response["Retry-After"]) >= 1


def test_unhandled_error_is_500_envelope_without_internals(world, monkeypatch, caplog):
    from repos.views import RepositoryViewSet

    def boom(self, request, *args, **kwargs):
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(RepositoryViewSet, "retrieve", boom)
    response = Client(raise_request_exception=False).get("/api/v1/repos/w-org/pub")
    error = assert_envelope(response, 500, "INTERNAL_ERROR")
    text = response.content.decode()
    assert "secret internals" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert error["details"] == {}
    assert "secret internals" in caplog.text  # it is logged for operators


def test_request_id_is_echoed_when_sane_and_minted_otherwise(world):
    client = Client()
    response = client.get("/api/v1/repos/w-org/pub", HTTP_X_REQUEST_ID="abc-123.x")
    assert response["X-Request-Id"] == "abc-123.x"
    for bad in ("", "has space", "x" * 200, "<script>"):
        response = client.get("/api/v1/repos/w-org/nope", HTTP_X_REQUEST_ID=bad)
        assert str(uuid.UUID(response["X-Request-Id"])) == response["X-Request-Id"]
        assert response.json()["error"]["request_id"] == response["X-Request-Id"]
    minted = client.get("/api/v1/repos/w-org/pub")["X-Request-Id"]
    assert uuid.UUID(minted)


def test_trailing_slash_is_accepted_without_redirect(world, writer):
    assert writer.client.get("/api/v1/repos/w-org/pub/").status_code == 200
    response = writer.client.post("/api/v1/repos/w-org/", data={"name": "slashed"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("path", [
    "/api/v1/orgs/w-org%00",
    "/api/v1/repos/w-org/pub%00x",
    "/api/v1/repos/w-org/pub/labels/a%00b",
    "/api/v1/repos/w%00org/pub/issues",
    "/api/v1/users/w-writer%00",
])
def test_a_nul_in_the_path_is_a_404_not_a_crash(world, writer, path):
    """PostgreSQL refuses NUL in a query (a 500 before this check); nothing Kizuna names holds one."""
    assert_envelope(writer.client.get(path), 404, "NOT_FOUND")
    assert_envelope(writer.client.delete(path), 404, "NOT_FOUND")


SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() refuses it


@pytest.mark.parametrize("method, path, status, code", [
    ("get", f"/repos/w-org/pub/issues?milestone={SUPERSCRIPT_TWO}", 422, "VALIDATION_ERROR"),
    ("get", f"/repos/w-org/pub/events?after_id={SUPERSCRIPT_TWO}", 422, "VALIDATION_ERROR"),
    ("delete", f"/user/tokens/{SUPERSCRIPT_TWO}", 404, "NOT_FOUND"),
    ("delete", f"/repos/w-org/pub/deploy-tokens/{SUPERSCRIPT_TWO}", 404, "NOT_FOUND"),
    ("get", f"/repos/w-org/pub/hooks/{SUPERSCRIPT_TWO}", 404, "NOT_FOUND"),
])
def test_digits_that_are_not_ascii_are_bad_input_not_a_crash(world, api, method, path, status, code):
    assert_envelope(getattr(api(world.tokens["admin"]), method)(path), status, code)


def test_a_content_length_that_is_not_ascii_digits_is_not_a_crash(world, api):
    response = api(world.tokens["admin"]).client.post(
        "/api/v1/repos/w-org/pub/issues", data=b'{"title": "t"}', content_type="application/json", CONTENT_LENGTH="²")
    assert response.status_code < 500
