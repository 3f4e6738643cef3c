"""`GET /users/:login`: the public profile behind a login. Users, organisations and agents share one
name space of logins; as GitHub serves bots and organisations under /users/:login, so do we."""

import pytest

pytestmark = pytest.mark.django_db


def test_user_profile_is_public_and_has_no_email(api, make_user):
    user = make_user("Alice-1", email="alice@example.com")
    response = api().get("/users/alice-1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "id": user.pk, "login": "Alice-1", "type": "User", "name": "", "site_admin": False,
        "created_at": body["created_at"], "url": "http://testserver/api/v1/users/Alice-1",
        "repos_url": "http://testserver/api/v1/repos/Alice-1", "agent_url": None, "operator": None,
    }
    assert "alice@example.com" not in response.content.decode()
    assert body["created_at"].endswith("Z")


def test_organisation_profile(api, make_org):
    org = make_org("acme")
    body = api().get("/users/ACME").json()
    assert (body["id"], body["login"], body["type"], body["repos_url"]) == (
        org.pk, "acme", "Organization", "http://testserver/api/v1/repos/acme")


def test_agent_profile(api, make_user, make_agent):
    operator = make_user("opal")
    agent, _ = make_agent(operator=operator, name="ci-bot")
    body = api().get("/users/CI-Bot").json()
    assert body["type"] == "Agent" and body["id"] == str(agent.pk) and body["login"] == "ci-bot"
    assert body["operator"] == {"id": operator.pk, "login": "opal", "type": "User"}
    assert body["agent_url"] == f"http://testserver/api/v1/agents/{agent.pk}"
    assert body["repos_url"] is None
    assert "trust_level" not in body and "capabilities" not in body  # GET /agents/:id, signed in, has those


def test_unknown_and_inactive_are_404(api, make_user):
    user = make_user("gone")
    user.is_active = False
    user.save()
    for login in ("gone", "nobody-here", "a%00b", "x" * 300):
        response = api().get(f"/users/{login}")
        assert response.status_code == 404, login
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_user_without_namespace_row(api, db):
    from kizuna.accounts.models import User

    User.objects.create_user(username="bare", password="pw")  # as `createsuperuser` does, not user_create
    assert api().get("/users/bare").json()["type"] == "User"


def test_bad_token_is_401(api, make_user):
    make_user("someone")
    assert api("kzp_nope").get("/users/someone").status_code == 401


def test_query_count(api, make_user, make_agent, django_assert_max_num_queries):
    make_user("qc-user")
    agent, _ = make_agent(name="qc-agent")
    with django_assert_max_num_queries(1):
        assert api().get("/users/qc-user").status_code == 200
    with django_assert_max_num_queries(2):  # no namespace by that name, then the agent with its operator
        assert api().get("/users/qc-agent").status_code == 200
