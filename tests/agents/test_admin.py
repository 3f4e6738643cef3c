"""The agents admin: changes go through the services, so each leaves its event."""

import re

import pytest

from agents.models import Agent
from kizuna.accounts.models import Token
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("site-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def _form(agent, **overrides):
    data = {
        "description": agent.description, "capabilities": '["ci"]', "trust_level": str(agent.trust_level),
        "status": agent.status,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_changelist_search_and_filters(admin_client, make_agent):
    make_agent(name="findme-bot", model_family="claude")
    make_agent(name="other-bot", model_family="gpt")
    page = admin_client.get("/admin/agents/agent/", {"q": "findme"})
    assert page.status_code == 200
    assert b"findme-bot" in page.content and b"other-bot" not in page.content
    page = admin_client.get("/admin/agents/agent/", {"model_family": "gpt", "trust_level__exact": "1"})
    assert page.status_code == 200 and b"other-bot" in page.content and b"findme-bot" not in page.content


def test_trust_change_in_admin_is_an_event(admin_client, make_agent):
    agent, _ = make_agent(trust_level=1)
    response = admin_client.post(f"/admin/agents/agent/{agent.pk}/change/", _form(agent, trust_level="4", name="renamed"))
    assert response.status_code == 302, response.content[:2000]
    agent.refresh_from_db()
    assert agent.trust_level == 4 and agent.name != "renamed" and agent.capabilities == ["ci"]
    event = Event.objects.get(type="agent.trust_changed")
    assert event.actor.user == admin_client.admin and event.subject == agent.actor
    assert event.payload["changes"]["trust_level"]["from"] == 1
    assert Event.objects.filter(type="agent.updated").count() == 1  # capabilities changed too


def test_admin_rejects_bad_capabilities(admin_client, make_agent):
    agent, _ = make_agent()
    response = admin_client.post(f"/admin/agents/agent/{agent.pk}/change/", _form(agent, capabilities='["Bad Cap"]'))
    assert response.status_code == 200 and b"invalid capability" in response.content
    agent.refresh_from_db()
    assert agent.capabilities == []


def test_admin_add_registers_through_the_service(admin_client, make_user):
    operator = make_user("admin-op")
    response = admin_client.post("/admin/agents/agent/add/", {
        "name": "admin-made", "operator": str(operator.pk), "model_family": "m", "model_version": "1",
        "description": "", "capabilities": "[]", "trust_level": "2", "status": "active",
    }, follow=True)
    assert response.status_code == 200
    agent = Agent.objects.get(name="admin-made")
    assert agent.operator == operator and agent.actor.login == "admin-made"
    token = re.search(rb"kza_[A-Za-z0-9]+", response.content).group().decode()
    assert Token.objects.active().filter(agent=agent).count() == 1
    assert Event.objects.filter(type="agent.registered", subject=agent.actor).exists()
    from tests.conftest import Api

    assert Api(token).get("/user").json()["id"] == str(agent.pk)


def test_admin_add_refuses_a_taken_name(admin_client, make_user):
    operator = make_user("taken-name")
    response = admin_client.post("/admin/agents/agent/add/", {
        "name": "taken-name", "operator": str(operator.pk), "model_family": "m", "model_version": "1",
        "capabilities": "[]", "trust_level": "1", "status": "active",
    })
    assert response.status_code == 200 and b"already exists" in response.content
    assert not Agent.objects.exists()


def test_rotate_token_action(admin_client, make_agent, api):
    agent, old = make_agent()
    response = admin_client.post(
        "/admin/agents/agent/", {"action": "rotate_token", "_selected_action": [str(agent.pk)]}, follow=True
    )
    assert response.status_code == 200
    new = re.search(rb"kza_[A-Za-z0-9]+", response.content).group().decode()
    assert api(old).get("/user").status_code == 401
    assert api(new).get("/user").status_code == 200
    assert Event.objects.get(type="agent.token_rotated").actor.user == admin_client.admin


def test_suspend_action(admin_client, make_agent, api):
    agent, token = make_agent()
    response = admin_client.post("/admin/agents/agent/", {"action": "suspend", "_selected_action": [str(agent.pk)]})
    assert response.status_code == 302
    assert Agent.objects.get(pk=agent.pk).status == "suspended"
    assert Event.objects.filter(type="agent.suspended", subject=agent.actor).count() == 1
    assert api(token).get("/user").status_code == 403


def test_recompute_action(admin_client, make_agent):
    agent, _ = make_agent()
    admin_client.post("/admin/agents/agent/", {"action": "recompute_reputation", "_selected_action": [str(agent.pk)]})
    assert Agent.objects.get(pk=agent.pk).last_audited is not None
