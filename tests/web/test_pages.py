import re

import pytest
from django.test import Client

from kizuna.accounts.models import Token
from kizuna.events.models import Event

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


def register(client, **fields):
    data = {"name": "helper-bot", "model_family": "claude", "model_version": "4", "capabilities": "ci, review",
            "trust_level": "2", "description": "", "csrfmiddlewaretoken": csrf_of(client)}
    data.update(fields)
    return client.post("/settings/agents", data)


def test_register_an_agent_and_use_its_token(person, api):
    from agents.models import Agent

    client = signed_in(person)
    html = register(client).content.decode()
    secret = re.search(r'id="new-token" readonly value="(kza_\w+)"', html).group(1)
    agent = Agent.objects.get(name="helper-bot")
    assert (agent.operator, agent.trust_level, agent.capabilities) == (person, 2, ["ci", "review"])
    body = api(secret).get("/user").json()
    assert (body["type"], body["login"]) == ("Agent", "helper-bot")
    assert secret not in client.get("/settings/agents").content.decode()


def test_agent_form_refuses_bad_input_with_messages(person, make_user):
    make_user("taken-name")
    client = signed_in(person)
    for fields, expected in (
        ({"name": "Bad Name"}, "a-z"),
        ({"name": "taken-name"}, "already exists"),
        ({"trust_level": "4"}, "Select a valid choice"),  # operators may grant 0-3 only
    ):
        html = register(client, **fields).content.decode()
        assert expected in html, fields
    from agents.models import Agent

    assert not Agent.objects.exists()


def test_trust_rotate_suspend_and_reactivate(person, api):
    from agents.models import Agent

    client = signed_in(person)
    html = register(client).content.decode()
    first = re.search(r'value="(kza_\w+)"', html).group(1)
    agent = Agent.objects.get(name="helper-bot")

    client.post(f"/settings/agents/{agent.pk}/trust", {"trust_level": "3", "csrfmiddlewaretoken": csrf_of(client)})
    agent.refresh_from_db()
    assert agent.trust_level == 3
    client.post(f"/settings/agents/{agent.pk}/trust", {"trust_level": "4", "csrfmiddlewaretoken": csrf_of(client)})
    agent.refresh_from_db()
    assert agent.trust_level == 3  # 4 needs staff

    response = client.post(f"/settings/agents/{agent.pk}/rotate", {"csrfmiddlewaretoken": csrf_of(client)}, follow=True)
    second = re.search(r'value="(kza_\w+)"', response.content.decode()).group(1)
    assert second != first
    assert api(first).get("/user").status_code == 401 and api(second).get("/user").status_code == 200

    client.post(f"/settings/agents/{agent.pk}/suspend", {"csrfmiddlewaretoken": csrf_of(client)})
    assert api(second).get("/user").status_code == 403
    client.post(f"/settings/agents/{agent.pk}/activate", {"csrfmiddlewaretoken": csrf_of(client)})
    assert api(second).get("/user").status_code == 200
    types = set(Event.objects.filter(subject=agent.actor).values_list("type", flat=True))
    assert {"agent.registered", "agent.trust_changed", "agent.token_rotated", "agent.suspended"} <= types


def test_cannot_touch_someone_elses_agent(person, make_user):
    from agents.models import Agent

    other = make_user("other-op")
    client = signed_in(other)
    register(client, name="not-yours")
    agent = Agent.objects.get(name="not-yours")
    client = signed_in(person)
    response = client.post(f"/settings/agents/{agent.pk}/suspend", {"csrfmiddlewaretoken": csrf_of(client)})
    assert response.status_code == 404
    agent.refresh_from_db()
    assert agent.status == "active"
