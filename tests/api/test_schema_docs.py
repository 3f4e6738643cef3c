"""docs/api.md §14: the schema, Swagger UI and Redoc, with every asset served by Kizuna itself."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_served_and_documents_the_platform():
    import yaml

    response = Client().get("/api/v1/schema")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.1")
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
    op = schema["paths"]["/repos/{org}"]["get"]
    ok = op["responses"]["200"]
    assert {"Link", "X-Total-Count", "X-RateLimit-Limit", "X-RateLimit-Remaining"} <= set(ok["headers"])

    def resolve(ref):
        _, kind, name = ref["$ref"].rsplit("/", 2)
        return schema["components"][kind][name]

    assert resolve(op["responses"]["404"])["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "Retry-After" in resolve(op["responses"]["429"])["headers"]
    body = ok["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert body["type"] == "array"  # a bare array, no pagination envelope
    assert Client().get("/api/v1/schema?format=json").json()["openapi"].startswith("3.1")


@pytest.mark.parametrize("page", ["/api/v1/docs", "/api/v1/redoc"])
def test_doc_pages_reference_no_other_host_and_their_assets_load(page):
    client = Client()
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    refs += re.findall(r"""url\(\s*["']?([^"')]+)""", html)
    refs += re.findall(r"""["'](https?://[^"']+)["']""", html)
    assets = set()
    for ref in refs:
        absolute = urljoin(f"http://testserver{page}", ref)
        assert urlsplit(absolute).netloc == "testserver", f"{page} references another host: {ref}"
        assets.add(urlsplit(absolute).path)
    assert assets, "the page loads its scripts from somewhere"
    assert any(a.endswith(".js") for a in assets)
    for path in assets:
        asset = client.get(path)
        assert asset.status_code == 200, path
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        if path.endswith(".css"):
            for ref in re.findall(rb"""url\(\s*["']?([^"')]+)""", body):
                assert not re.match(rb"(https?:)?//", ref), f"{path} pulls {ref!r} from another host"
        if path.endswith(".js") and "redoc" in path:
            # Redoc injects web fonts only when the page asks for them; the page must not link Google Fonts.
            assert b"fonts.googleapis.com" not in html.encode()


def test_the_schema_is_compressed_and_api_answers_are_not(make_user, make_token):
    import gzip
    import json

    client = Client()
    response = client.get("/api/v1/schema?format=json", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < 100_000
    assert json.loads(gzip.decompress(response.content))["openapi"].startswith("3.1")
    assert "Content-Encoding" not in client.get("/api/v1/schema?format=json")  # asked for nothing: plain
    # A new token's secret sits next to the name the caller chose: never compressed (BREACH).
    token = make_token(make_user("gz"))
    created = client.post("/api/v1/user/tokens", {"name": "n"}, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_ENCODING="gzip")
    assert created.status_code == 201 and "Content-Encoding" not in created
