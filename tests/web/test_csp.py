"""Sign-out is POST only; every page sends a Content-Security-Policy without inline scripts, and the API
browsers (Swagger UI, Redoc) need none (issue 17). Their rendering under the policy: test_browser.py."""

import re

import pytest
from django.test import Client

from .test_pages import csrf_of, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_user):
    return make_user("cspy")


def test_get_logout_does_not_sign_out(person):
    client = signed_in(person)
    response = client.get("/logout")
    assert response.status_code == 405
    assert client.get("/settings/tokens").status_code == 200  # still signed in
    assert client.post("/logout", {"csrfmiddlewaretoken": csrf_of(client)}).status_code == 302
    assert client.get("/settings/tokens").status_code == 302


def test_logout_needs_the_csrf_token(person):
    client = signed_in(person)
    assert client.post("/logout").status_code == 403
    assert client.get("/settings/tokens").status_code == 200


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/login", "/settings/tokens", "/settings/agents", "/api/v1/docs", "/api/v1/redoc",
                                  "/admin/login/"])
def test_pages_send_a_csp_and_carry_no_inline_script(person, path):
    client = signed_in(person) if path.startswith("/settings") else Client()
    response = client.get(path)
    assert response.status_code == 200, path
    csp = policy(response)
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        # a script element either loads a file of this server or is data (json_script), never code
        assert 'src="/' in tag or 'type="application/json"' in tag, (path, tag)
    assert not re.search(r"\son[a-z]+\s*=", html), path  # no inline event handlers
    for url in re.findall(r'<script[^>]*\ssrc="([^"]+)"', html):
        assert url.startswith("/"), url


def test_swagger_ui_initialiser_is_served_as_a_script():
    html = Client().get("/api/v1/docs").content.decode()
    [script_url] = [u for u in re.findall(r'<script src="([^"]+)"', html) if "script" in u.split("?", 1)[-1]]
    script = Client().get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
