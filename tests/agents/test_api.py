"""POST/GET/PATCH /agents, token rotation and the agent's audit trail (docs/api.md §10)."""

import pytest

from agents.models import Agent
from kizuna.accounts.models import Actor, Token
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db

BODY = {"name": "review-bot", "model_family": "claude", "model_version": "4.5", "capabilities": ["review", "ci"]}


def test_register_returns_agent_and_token_once(make_user, make_token, api):
    operator = make_user("opal")
    response = api(make_token(operator, scopes=["read", "write"])).post("/agents", {**BODY, "description": "reviews PRs"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token"].startswith("kza_")
    assert body["name"] == "review-bot" and body["description"] == "reviews PRs"
    assert body["operator"] == {"id": operator.pk, "login": "opal", "type": "User"}
    assert body["trust_level"] == 1 and body["trust_level_name"] == "Restricted"
    assert body["reputation_score"] == 0.5 and body["status"] == "active"
    assert body["capabilities"] == ["review", "ci"]
    assert body["last_seen_at"] is None and body["last_audited"] is None
    assert response["Location"] == body["url"]
    agent = Agent.objects.get(pk=body["id"])
    assert agent.actor.type == Actor.Type.AGENT and agent.actor.login == "review-bot"
    # The token works and is the agent's; GET /agents/:id never shows it again.
    me = api(body["token"]).get("/user")
    assert me.status_code == 200 and me.json()["type"] == "Agent" and me.json()["id"] == body["id"]
    assert "token" not in api(make_token(operator)).get(f"/agents/{body['id']}").json()
    event = Event.objects.get(type="agent.registered")
    assert event.actor.user == operator and event.subject == agent.actor
    assert event.payload["agent"]["name"] == "review-bot"


def test_register_with_session(make_user, api):
    from rest_framework.test import APIClient

    operator = make_user("sess")
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(operator)
    response = client.post("/api/v1/agents", BODY, format="json")
    assert response.status_code == 201, response.json()


def test_register_needs_write_scope(make_user, make_token, api):
    response = api(make_token(make_user(), scopes=["read"])).post("/agents", BODY)
    assert response.status_code == 403
    assert response.json()["error"]["details"]["required_scope"] == "write"


def test_register_anonymous_is_401(api):
    assert api().post("/agents", BODY).status_code == 401


@pytest.mark.parametrize(
    "name",
    ["Review-Bot", "review bot", " review-bot", "a" * 40, "", "bot_1", "bot.1", "ünï"],
    ids=["upper", "space", "leading-space", "40-chars", "empty", "underscore", "dot", "unicode"],
)
def test_register_bad_names(make_user, make_token, api, name):
    response = api(make_token(make_user())).post("/agents", {**BODY, "name": name})
    assert response.status_code == 422, response.json()
    assert "name" in response.json()["error"]["details"]
    assert not Agent.objects.exists()


def test_register_name_of_39_chars_is_fine(make_user, make_token, api):
    assert api(make_token(make_user())).post("/agents", {**BODY, "name": "a" * 39}).status_code == 201


def test_register_duplicate_name(make_user, make_agent, make_token, api):
    make_agent(name="review-bot")
    response = api(make_token(make_user())).post("/agents", BODY)
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"name": ["already exists"]}
    assert Agent.objects.count() == 1


@pytest.mark.parametrize("login", ["review-bot", "Review-Bot"])
def test_register_name_equal_to_a_user_login(make_user, make_token, api, login):
    make_user(login)
    response = api(make_token(make_user())).post("/agents", BODY)
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"name": ["already exists"]}


def test_register_name_equal_to_an_org_login(make_user, make_org, make_token, api):
    make_org("review-bot")
    assert api(make_token(make_user())).post("/agents", BODY).status_code == 422


def test_user_and_org_cannot_take_an_agent_name(make_agent, make_user, make_org):
    from kizuna.api.errors import ValidationFailed

    make_agent(name="taken-bot")
    with pytest.raises(ValidationFailed):
        make_user("Taken-Bot")
    with pytest.raises(ValidationFailed):
        make_org("taken-bot")


@pytest.mark.parametrize("missing", ["name", "model_family", "model_version"])
def test_register_required_fields(make_user, make_token, api, missing):
    body = {k: v for k, v in BODY.items() if k != missing}
    response = api(make_token(make_user())).post("/agents", body)
    assert response.status_code == 422 and missing in response.json()["error"]["details"]


@pytest.mark.parametrize("capabilities", ["ci", [1], ["has space"], ["UPPER"], [""]])
def test_register_bad_capabilities(make_user, make_token, api, capabilities):
    response = api(make_token(make_user())).post("/agents", {**BODY, "capabilities": capabilities})
    assert response.status_code == 422 and "capabilities" in response.json()["error"]["details"]


@pytest.mark.parametrize("trust", [5, -1, "high", True, 1.5])
def test_register_bad_trust_level(make_user, make_token, api, trust):
    response = api(make_token(make_user())).post("/agents", {**BODY, "trust_level": trust})
    assert response.status_code == 422, response.json()
    assert "trust_level" in response.json()["error"]["details"]


@pytest.mark.parametrize("trust", [0, 1, 2, 3])
def test_register_trust_0_to_3_by_operator(make_user, make_token, api, trust):
    response = api(make_token(make_user())).post("/agents", {**BODY, "trust_level": trust})
    assert response.status_code == 201 and response.json()["trust_level"] == trust


def test_register_trust_4_needs_staff(make_user, make_token, staff, api):
    response = api(make_token(make_user())).post("/agents", {**BODY, "trust_level": 4})
    assert response.status_code == 403
    assert not Agent.objects.exists()
    response = api(make_token(staff)).post("/agents", {**BODY, "trust_level": 4})
    assert response.status_code == 201 and response.json()["trust_level_name"] == "Autonomous"


def test_agent_token_cannot_register_agents(make_agent, api):
    _, token = make_agent(trust_level=3)
    response = api(token).post("/agents", BODY)
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
    assert Agent.objects.count() == 1


def test_deploy_token_cannot_register_agents(world, make_token, api):
    token = make_token(kind=Token.Kind.DEPLOY, repository=world.public, scopes=["read", "write"])
    assert api(token).post("/agents", BODY).status_code == 403


# --- GET ------------------------------------------------------------------------------------------
def test_get_any_authenticated_caller(make_agent, make_user, make_token, api):
    agent, agent_token = make_agent()
    other_user = api(make_token(make_user()))
    assert other_user.get(f"/agents/{agent.pk}").json()["name"] == agent.name
    other_agent = make_agent()[1]
    assert api(other_agent).get(f"/agents/{agent.pk}").status_code == 200
    assert api(agent_token).get(f"/agents/{agent.pk}").status_code == 200
    assert api().get(f"/agents/{agent.pk}").status_code == 401


@pytest.mark.parametrize("bad", ["nope", "123", "00000000-0000-0000-0000-000000000000"])
def test_get_bad_or_unknown_id_is_404(make_user, make_token, api, bad):
    response = api(make_token(make_user())).get(f"/agents/{bad}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_get_uppercase_uuid(make_agent, make_user, make_token, api):
    agent, _ = make_agent()
    assert api(make_token(make_user())).get(f"/agents/{str(agent.pk).upper()}").status_code == 200


# --- list -----------------------------------------------------------------------------------------
def test_list_only_own_agents_staff_sees_all(make_user, make_agent, make_token, staff, api):
    me, other = make_user(), make_user()
    mine = [make_agent(me)[0] for _ in range(3)]
    make_agent(other)
    response = api(make_token(me)).get("/agents")
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [str(a.pk) for a in reversed(mine)]  # newest first
    assert response["X-Total-Count"] == "3"
    assert len(api(make_token(staff)).get("/agents").json()) == 4
    assert api(make_agent(me)[1]).get("/agents").json() == []  # agents operate no agents
    assert api().get("/agents").status_code == 401


def test_list_filters(make_user, make_agent, make_token, api):
    me = make_user()
    ci = make_agent(me, capabilities=["ci", "review"], trust_level=2, model_family="claude")[0]
    reviewer = make_agent(me, capabilities=["review"], trust_level=1, model_family="gpt")[0]
    suspended = make_agent(me, capabilities=["cir"], trust_level=0, model_family="claude")[0]
    Agent.objects.filter(pk=suspended.pk).update(status="suspended")
    client = api(make_token(me))

    def ids(**query):
        response = client.get("/agents", query)
        assert response.status_code == 200, response.json()
        return {a["id"] for a in response.json()}

    assert ids(capability="ci") == {str(ci.pk)}
    assert ids(capability="CI") == {str(ci.pk)}
    assert ids(capability="review") == {str(ci.pk), str(reviewer.pk)}
    assert ids(capability="c") == set()
    assert ids(trust_level=2) == {str(ci.pk)}
    assert ids(trust_level=0) == {str(suspended.pk)}
    assert ids(model_family="claude") == {str(ci.pk), str(suspended.pk)}
    assert ids(status="suspended") == {str(suspended.pk)}
    assert ids(status="active", model_family="claude") == {str(ci.pk)}


@pytest.mark.parametrize("query", [{"trust_level": 5}, {"trust_level": "x"}, {"status": "gone"}, {"per_page": 0}])
def test_list_bad_filters_are_422(make_user, make_token, api, query):
    response = api(make_token(make_user())).get("/agents", query)
    assert response.status_code == 422


def test_list_query_count_does_not_grow(make_user, make_agent, make_token, api, django_assert_num_queries):
    me = make_user()
    for _ in range(5):
        make_agent(me, capabilities=["ci"])
    client = api(make_token(me))
    client.get("/agents")  # warm up (last_used_at write)

    def count(per_page):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/agents", {"per_page": per_page})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json())

    small, large = count(1), count(100)
    assert small[1] == 1 and large[1] == 5
    assert small[0] == large[0]  # every page runs the same queries (one bounded COUNT), nothing per row
    with django_assert_num_queries(large[0]):
        client.get("/agents", {"per_page": 100, "capability": "ci", "model_family": "claude", "status": "active"})


# --- PATCH ----------------------------------------------------------------------------------------
def test_patch_by_operator(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me)
    response = api(make_token(me)).patch(f"/agents/{agent.pk}", {"description": "new", "capabilities": ["ci"]})
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "new" and response.json()["capabilities"] == ["ci"]
    event = Event.objects.get(type="agent.updated")
    assert event.subject == agent.actor and event.actor.user == me
    assert event.payload["changes"] == {"description": {"from": ""}, "capabilities": {"from": []}}


def test_patch_nothing_changed_emits_nothing(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me, description="same")
    client = api(make_token(me))
    before = Event.objects.count()
    assert client.patch(f"/agents/{agent.pk}", {"description": "same"}).status_code == 200
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    "field,value",
    [("name", "renamed"), ("model_family", "gpt"), ("model_version", "5"), ("operator", "someone")],
)
def test_patch_immutable_fields_are_422(make_user, make_agent, make_token, api, field, value):
    me = make_user()
    agent, _ = make_agent(me)
    response = api(make_token(me)).patch(f"/agents/{agent.pk}", {field: value, "description": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {field: ["is immutable"]}
    agent.refresh_from_db()
    assert agent.description == ""


def test_patch_trust_level(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me, trust_level=1)
    response = api(make_token(me)).patch(f"/agents/{agent.pk}", {"trust_level": 3})
    assert response.status_code == 200 and response.json()["trust_level_name"] == "Elevated"
    event = Event.objects.get(type="agent.trust_changed")
    assert event.payload["changes"]["trust_level"] == {"from": 1, "from_name": "Restricted"}
    assert event.payload["agent"]["trust_level"] == 3


def test_patch_trust_level_needs_admin_scope(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me, trust_level=1)
    client = api(make_token(me, scopes=["read", "write"]))
    response = client.patch(f"/agents/{agent.pk}", {"trust_level": 2})
    assert response.status_code == 403
    assert response.json()["error"]["details"]["required_scope"] == "admin"
    # Re-sending the current level is not a change and needs no admin scope.
    assert client.patch(f"/agents/{agent.pk}", {"trust_level": 1, "description": "d"}).status_code == 200
    agent.refresh_from_db()
    assert agent.trust_level == 1


def test_patch_trust_4_needs_staff(make_user, make_agent, make_token, staff, api):
    me = make_user()
    agent, _ = make_agent(me)
    response = api(make_token(me)).patch(f"/agents/{agent.pk}", {"trust_level": 4})
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.trust_level == 1
    response = api(make_token(staff)).patch(f"/agents/{agent.pk}", {"trust_level": 4})
    assert response.status_code == 200 and response.json()["trust_level"] == 4
    # The operator may lower it again (0-3).
    assert api(make_token(me)).patch(f"/agents/{agent.pk}", {"trust_level": 3}).status_code == 200


@pytest.mark.parametrize("trust", [5, -1, None, "2x"])
def test_patch_bad_trust_is_422(make_user, make_agent, make_token, api, trust):
    me = make_user()
    agent, _ = make_agent(me)
    assert api(make_token(me)).patch(f"/agents/{agent.pk}", {"trust_level": trust}).status_code == 422


def test_patch_bad_status_is_422(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me)
    response = api(make_token(me)).patch(f"/agents/{agent.pk}", {"status": "deleted"})
    assert response.status_code == 422 and "status" in response.json()["error"]["details"]


def test_another_users_agent_is_403_on_patch_but_readable(make_user, make_agent, make_token, api):
    """docs/api.md §2: the caller can see the agent (GET answers anyone signed in) but may not change it → 403."""
    agent, _ = make_agent(make_user())
    client = api(make_token(make_user()))
    response = client.patch(f"/agents/{agent.pk}", {"description": "mine now"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
    assert client.post(f"/agents/{agent.pk}/tokens").status_code == 403
    assert client.get(f"/agents/{agent.pk}").status_code == 200
    agent.refresh_from_db()
    assert agent.description == ""


def test_staff_may_patch_any_agent(make_user, make_agent, make_token, staff, api):
    agent, _ = make_agent(make_user())
    response = api(make_token(staff)).patch(f"/agents/{agent.pk}", {"status": "suspended"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    event = Event.objects.get(type="agent.suspended")
    assert event.actor.user == staff and event.subject == agent.actor


def test_agent_token_cannot_patch_itself_or_rotate(make_user, make_agent, api):
    me = make_user()
    agent, token = make_agent(me, trust_level=3)
    client = api(token)
    response = client.patch(f"/agents/{agent.pk}", {"trust_level": 3, "description": "x"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
    assert client.patch(f"/agents/{agent.pk}", {"status": "active"}).status_code == 403
    assert client.post(f"/agents/{agent.pk}/tokens").status_code == 403
    sibling, _ = make_agent(me)
    assert client.patch(f"/agents/{sibling.pk}", {"description": "x"}).status_code == 403
    assert client.get(f"/agents/{agent.pk}").status_code == 200  # still works: nothing was rotated


# --- suspension, rotation, last_seen_at ------------------------------------------------------------
def test_suspended_agent_gets_403_everywhere(world, make_agent, make_token, api):
    agent, token = make_agent(world.admin, trust_level=4)
    client = api(token)
    assert client.get("/repos/w-org/pub").status_code == 200
    operator = api(world.tokens["admin"])
    response = operator.patch(f"/agents/{agent.pk}", {"status": "suspended"})
    assert response.status_code == 200
    for call in (
        lambda: client.get("/user"),
        lambda: client.get("/repos/w-org/pub"),
        lambda: client.get("/repos/w-org/priv"),
        lambda: client.get(f"/agents/{agent.pk}"),
        lambda: client.post("/repos/w-org", {"name": "x"}),
        lambda: client.patch("/repos/w-org/pub", {"description": "x"}),
        lambda: client.get("/agents"),
    ):
        response = call()
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "FORBIDDEN"
    assert Event.objects.filter(type="agent.suspended", subject=agent.actor).count() == 1
    # Reactivated by its operator, it works again (an agent.updated event records it).
    assert operator.patch(f"/agents/{agent.pk}", {"status": "active"}).status_code == 200
    assert client.get("/repos/w-org/pub").status_code == 200
    assert Event.objects.get(type="agent.updated").payload["changes"] == {"status": {"from": "suspended"}}


def test_rotate_token_kills_the_old_one_at_once(make_user, make_agent, make_token, api):
    me = make_user()
    agent, old = make_agent(me)
    assert api(old).get("/user").status_code == 200
    response = api(make_token(me)).post(f"/agents/{agent.pk}/tokens")
    assert response.status_code == 201
    new = response.json()["token"]
    assert new.startswith("kza_") and new != old
    response = api(old).get("/user")
    assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED"
    assert api(new).get("/user").json()["id"] == str(agent.pk)
    event = Event.objects.get(type="agent.token_rotated")
    assert event.subject == agent.actor and event.actor.user == me
    assert new not in str(event.payload) and old not in str(event.payload)
    assert Token.objects.filter(agent=agent).count() == 2
    assert Token.objects.active().filter(agent=agent).count() == 1


def test_rotate_needs_write_scope(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me)
    assert api(make_token(me, scopes=["read"])).post(f"/agents/{agent.pk}/tokens").status_code == 403


def test_last_seen_at_written_at_most_once_a_minute(make_agent, api):
    from datetime import timedelta

    from django.utils import timezone

    agent, token = make_agent()
    client = api(token)
    client.get("/user")
    agent.refresh_from_db()
    assert agent.last_seen_at is not None
    recent = timezone.now() - timedelta(seconds=30)
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=recent)
    client.get("/user")
    agent.refresh_from_db()
    assert agent.last_seen_at == recent  # within the minute: no write
    stale = timezone.now() - timedelta(minutes=2)
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=stale)
    client.get("/user")
    agent.refresh_from_db()
    assert agent.last_seen_at > stale


def test_last_seen_at_no_update_query_within_a_minute(make_agent, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, token = make_agent()
    client = api(token)
    client.get("/user")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/user")
    assert not [q for q in ctx.captured_queries if q["sql"].upper().startswith("UPDATE")]


# --- the audit trail ------------------------------------------------------------------------------
def test_agent_actions_carry_operator_as_on_behalf_of(world, make_agent, make_token, api):
    agent, token = make_agent(world.admin, trust_level=4)
    client = api(token)
    assert client.post("/repos/w-org", {"name": "made-by-agent"}).status_code == 201
    assert client.patch("/repos/w-org/pub", {"description": "by agent"}).status_code == 200
    assert client.post("/repos/w-org/pub/deploy-tokens", {"name": "d"}).status_code == 201
    for event in Event.objects.filter(actor=agent.actor):
        assert event.on_behalf_of is not None and event.on_behalf_of.user == world.admin, event.type
    assert set(Event.objects.filter(actor=agent.actor).values_list("type", flat=True)) == {
        "repository.created", "repository.updated", "token.created",
    }
    trail = api(world.tokens["admin"]).get(f"/agents/{agent.pk}/events")
    assert trail.status_code == 200
    types = [e["type"] for e in trail.json()]
    assert types == ["token.created", "repository.updated", "repository.created", "agent.registered"]
    first = trail.json()[0]
    assert first["actor"] == {"id": str(agent.pk), "login": agent.name, "type": "Agent"}
    assert first["on_behalf_of"] == {"id": world.admin.pk, "login": "w-admin", "type": "User"}
    assert trail.json()[1]["repository"]["full_name"] == "w-org/pub"
    assert trail.json()[-1]["repository"] is None


def test_events_operator_and_staff_only(make_user, make_agent, make_token, staff, api):
    me = make_user()
    agent, token = make_agent(me)
    assert api(make_token(me)).get(f"/agents/{agent.pk}/events").status_code == 200
    assert api(make_token(staff)).get(f"/agents/{agent.pk}/events").status_code == 200
    response = api(make_token(make_user())).get(f"/agents/{agent.pk}/events")
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"
    assert api(token).get(f"/agents/{agent.pk}/events").status_code == 403
    assert api().get(f"/agents/{agent.pk}/events").status_code == 401
    assert api(make_token(me)).get("/agents/not-a-uuid/events").status_code == 404


def test_events_paginated_query_count_constant(make_user, make_agent, make_token, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    me = make_user()
    agent, _ = make_agent(me)
    client = api(make_token(me))
    for i in range(6):
        client.patch(f"/agents/{agent.pk}", {"description": f"d{i}"})

    def count(per_page):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/agents/{agent.pk}/events", {"per_page": per_page})
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    (small, r1), (large, r100) = count(1), count(100)
    assert len(r1.json()) == 1 and len(r100.json()) == 7
    assert 'rel="next"' in r1["Link"] and r1["X-Total-Count"] == "7"
    assert small == large  # every page runs the same queries (one bounded COUNT)


def test_admin_scope_token_events(make_user, make_agent, make_token, api):
    me = make_user()
    agent, _ = make_agent(me)
    client = api(make_token(me))
    client.patch(f"/agents/{agent.pk}", {"trust_level": 2, "description": "x"})
    client.post(f"/agents/{agent.pk}/tokens")
    client.patch(f"/agents/{agent.pk}", {"status": "suspended"})
    types = [e["type"] for e in client.get(f"/agents/{agent.pk}/events").json()]
    assert types == ["agent.suspended", "agent.token_rotated", "agent.updated", "agent.trust_changed", "agent.registered"]


def test_user_endpoint_with_an_agent_token_matches_the_schema(make_agent, api):
    from agents.serializers import AgentIdentitySerializer

    agent, token = make_agent(capabilities=["ci"])
    body = api(token).get("/user").json()
    assert set(body) == set(AgentIdentitySerializer.Meta.fields)
    assert body["type"] == "Agent" and body["name"] == agent.name and body["capabilities"] == ["ci"]
    assert body["operator"]["type"] == "User"


def test_agent_json_shape(make_agent, make_token, api):
    agent, _ = make_agent()
    body = api(make_token(agent.operator)).get(f"/agents/{agent.pk}").json()
    assert set(body) == {
        "id", "name", "description", "operator", "model_family", "model_version", "capabilities", "trust_level",
        "trust_level_name", "reputation_score", "status", "created_at", "updated_at", "last_seen_at",
        "last_audited", "url",
    }
    assert body["created_at"].endswith("Z") and body["url"].endswith(f"/api/v1/agents/{agent.pk}")
