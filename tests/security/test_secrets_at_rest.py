"""A new secret is shown once, in the response that made it, and stored nowhere but as its digest: not in
the session store, not in Django's messages cookie, not in a cached page (issue 17)."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from agents.models import Agent
from kizuna.accounts.models import Token
from kizuna.accounts.services import user_create

from ..web.test_pages import csrf_of, signed_in

pytestmark = pytest.mark.django_db
SECRET = re.compile(r"kz[pa]_[0-9A-Za-z]{36}")


def assert_stored_nowhere(client: Client, response, raw: str) -> None:
    assert response.status_code == 200
    assert raw in response.content.decode()  # shown in this response
    assert "no-store" in response["Cache-Control"]
    for cookie in list(response.cookies.values()) + list(client.cookies.values()):
        assert raw not in cookie.value, cookie.key  # e.g. the `messages` cookie
    for session in Session.objects.all():
        assert raw not in str(session.get_decoded()) and raw not in session.session_data
    after = client.get(response.request["PATH_INFO"].rsplit("/", 2)[0] if "rotate" in response.request["PATH_INFO"]
                       else response.request["PATH_INFO"])
    assert raw not in after.content.decode()  # never again


def one_secret(response) -> str:
    [raw] = set(SECRET.findall(response.content.decode()))
    return raw


def test_rotating_an_agent_token_on_the_web_page(make_user):
    person = make_user("rotor")
    client = signed_in(person)
    client.post("/settings/agents", {"name": "rot-bot", "model_family": "m", "model_version": "1", "capabilities": "",
                                     "trust_level": "1", "description": "", "csrfmiddlewaretoken": csrf_of(client)})
    agent = Agent.objects.get(name="rot-bot")
    response = client.post(f"/settings/agents/{agent.pk}/rotate", {"csrfmiddlewaretoken": csrf_of(client)})
    assert_stored_nowhere(client, response, one_secret(response))


@pytest.fixture
def staff():
    user = user_create(login="ops", password="pw", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_admin_token_add(staff, make_user):
    owner = make_user("owner1")
    response = staff.post("/admin/accounts/token/add/", {"kind": "personal", "name": "adm", "user": owner.pk,
                                                         "scopes": "read", "expires_at_0": "", "expires_at_1": ""})
    raw = one_secret(response)
    assert_stored_nowhere(staff, response, raw)
    assert Token.objects.get(name="adm").hint and raw not in str(list(Token.objects.values()))


def test_admin_agent_add_and_rotate(staff, make_user):
    operator = make_user("op1")
    response = staff.post("/admin/agents/agent/add/", {
        "name": "adm-bot", "operator": str(operator.pk), "model_family": "m", "model_version": "1",
        "description": "", "capabilities": "[]", "trust_level": "2", "status": "active"})
    assert_stored_nowhere(staff, response, one_secret(response))
    agent = Agent.objects.get(name="adm-bot")
    response = staff.post("/admin/agents/agent/", {"action": "rotate_token", "_selected_action": [str(agent.pk)]})
    assert_stored_nowhere(staff, response, one_secret(response))
