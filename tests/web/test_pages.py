import re

import pytest
from django.test import Client

from kizuna.accounts.models import Token

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_user):
    return make_user("webby")


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login")
    csrf = page.cookies["csrftoken"].value
    response = client.post("/login", {"username": user.username, "password": "pw", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302 and response["Location"] == "/settings/tokens"
    return client


def csrf_of(client) -> str:
    return client.cookies["csrftoken"].value


def test_settings_need_sign_in():
    response = Client().get("/settings/tokens")
    assert response.status_code == 302 and response["Location"].startswith("/login")


def test_wrong_password_says_so(person):
    client = Client()
    response = client.post("/login", {"username": "webby", "password": "nope"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()


def test_create_use_and_revoke_a_token(person, api):
    client = signed_in(person)
    response = client.post("/settings/tokens", {"name": "laptop", "scopes": ["read"], "csrfmiddlewaretoken": csrf_of(client)})
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r'id="new-token" readonly value="(kzp_\w+)"', html).group(1)
    assert api(secret).get("/user").json()["login"] == "webby"
    assert api(secret).post("/repos/webby", {"name": "x"}).status_code == 403  # read scope only

    # Shown once: the listing afterwards has only the hint.
    listing = client.get("/settings/tokens").content.decode()
    assert secret not in listing and secret[:8] in listing

    token = Token.objects.get(user=person, name="laptop")
    response = client.post(f"/settings/tokens/{token.pk}/revoke", {"csrfmiddlewaretoken": csrf_of(client)})
    assert response.status_code == 302
    assert api(secret).get("/user").status_code == 401


def test_post_without_csrf_is_refused(person):
    client = signed_in(person)
    response = client.post("/settings/tokens", {"name": "x", "scopes": ["read"]})
    assert response.status_code == 403
    assert not Token.objects.filter(user=person, name="x").exists()


def test_invalid_input_is_explained(person):
    client = signed_in(person)
    response = client.post("/settings/tokens", {"name": "", "scopes": [], "expires_in_days": "0", "csrfmiddlewaretoken": csrf_of(client)})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="error"') >= 2
    assert not Token.objects.filter(user=person).exists()


def test_cannot_revoke_someone_elses_token(person, make_user, make_token):
    other = make_user("other")
    make_token(other)
    token = Token.objects.get(user=other)
    client = signed_in(person)
    response = client.post(f"/settings/tokens/{token.pk}/revoke", {"csrfmiddlewaretoken": csrf_of(client)})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_sign_out(person):
    client = signed_in(person)
    client.post("/logout", {"csrfmiddlewaretoken": csrf_of(client)})
    assert client.get("/settings/tokens").status_code == 302
