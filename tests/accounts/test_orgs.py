"""docs/api.md §3: organisations and their members."""

import pytest

from kizuna.accounts.models import Membership, Namespace, Role
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db


def test_create_org_makes_creator_admin(world, api):
    client = api(world.tokens["outsider"])
    response = client.post("/orgs", {"login": "NewOrg", "name": "New", "description": "d", "type": "User", "id": 5})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["login"] == "NewOrg" and body["type"] == "Organization" and body["name"] == "New"
    assert body["url"] == "http://testserver/api/v1/orgs/NewOrg"
    assert set(body) == {"id", "login", "name", "description", "type", "created_at", "url"}
    org = Namespace.objects.get(login="NewOrg")
    assert Membership.objects.get(namespace=org).role == Role.ADMIN
    assert list(Event.objects.filter(namespace=org).values_list("type", flat=True).order_by("id")) == [
        "organization.created", "member.added"]
    assert api().get("/orgs/neworg").json()["login"] == "NewOrg"


@pytest.mark.parametrize("login", ["w-org", "W-ORG", "w-admin", "-bad", "bad-", "a b", "x" * 40, "ünï", ""])
def test_create_org_rejects_bad_or_taken_logins(world, api, login):
    response = api(world.tokens["outsider"]).post("/orgs", {"login": login})
    assert response.status_code == 422, response.content
    assert "login" in response.json()["error"]["details"]


def test_create_org_needs_a_user_with_write(world, api, make_token, make_agent):
    assert api().post("/orgs", {"login": "o1"}).status_code == 401
    assert api(make_token(world.outsider, scopes=["read"])).post("/orgs", {"login": "o1"}).status_code == 403
    assert api(make_agent(world.outsider)[1]).post("/orgs", {"login": "o1"}).status_code == 403
    assert not Namespace.objects.filter(login="o1").exists()


def test_get_org_and_missing(world, api):
    assert api().get("/orgs/w-org").status_code == 200
    assert api().get("/orgs/nope").status_code == 404
    assert api().get("/orgs/w-admin").status_code == 404  # a personal namespace is not an organization


def test_members_list_visibility(world, api):
    body = api(world.tokens["reader"]).get("/orgs/w-org/members").json()
    assert body == [
        {"login": "w-admin", "type": "User", "role": "admin"},
        {"login": "w-maint", "type": "User", "role": "maintain"},
        {"login": "w-reader", "type": "User", "role": "read"},
        {"login": "w-writer", "type": "User", "role": "write"},
    ]
    assert api(world.tokens["outsider"]).get("/orgs/w-org/members").status_code == 403
    response = api().get("/orgs/w-org/members")
    assert response.status_code == 401 and response["WWW-Authenticate"]
    assert api(world.tokens["reader"]).get("/orgs/nope/members").status_code == 404


def test_put_and_delete_members(world, api):
    admin = api(world.tokens["admin"])
    response = admin.put("/orgs/w-org/members/W-OUT", {"role": "write"})
    assert response.status_code == 200
    assert response.json() == {"login": "w-out", "type": "User", "role": "write"}
    assert Event.objects.filter(type="member.added", payload__member__login="w-out").exists()
    assert admin.put("/orgs/w-org/members/w-out", {"role": "maintain"}).json()["role"] == "maintain"
    changed = Event.objects.get(type="member.changed", payload__member__login="w-out")
    assert changed.payload["changes"] == {"role": {"from": "write"}}
    assert admin.put("/orgs/w-org/members/w-out", {"role": "owner"}).status_code == 422
    assert admin.put("/orgs/w-org/members/w-out", {}).status_code == 422
    assert admin.put("/orgs/w-org/members/ghost", {"role": "read"}).status_code == 404
    assert admin.delete("/orgs/w-org/members/w-out").status_code == 204
    assert Event.objects.filter(type="member.removed", payload__member__login="w-out").exists()
    assert admin.delete("/orgs/w-org/members/w-out").status_code == 404


def test_member_management_needs_admin(world, api, make_token):
    for who in ("maintainer", "writer", "reader"):
        client = api(world.tokens[who])
        assert client.put("/orgs/w-org/members/w-out", {"role": "read"}).status_code == 403
        assert client.delete("/orgs/w-org/members/w-reader").status_code == 403
    assert api(world.tokens["outsider"]).put("/orgs/w-org/members/w-out", {"role": "read"}).status_code == 403
    assert api().put("/orgs/w-org/members/w-out", {"role": "read"}).status_code == 401
    no_admin_scope = api(make_token(world.admin, scopes=["read", "write"]))
    assert no_admin_scope.put("/orgs/w-org/members/w-out", {"role": "read"}).status_code == 403
    assert not Membership.objects.filter(user=world.outsider).exists()


def test_last_admin_can_be_neither_removed_nor_demoted(world, api):
    admin = api(world.tokens["admin"])
    response = admin.put("/orgs/w-org/members/w-admin", {"role": "write"})
    assert response.status_code == 422 and "role" in response.json()["error"]["details"]
    response = admin.delete("/orgs/w-org/members/w-admin")
    assert response.status_code == 422
    assert Membership.objects.get(user=world.admin, namespace=world.org).role == Role.ADMIN
    assert not Event.objects.filter(type__in=["member.changed", "member.removed"]).exists()
    # with a second admin, the first may step down
    assert admin.put("/orgs/w-org/members/w-maint", {"role": "admin"}).status_code == 200
    assert admin.put("/orgs/w-org/members/w-admin", {"role": "read"}).status_code == 200


def test_members_query_count_is_constant(world, api):
    from tests.api.helpers import assert_constant_queries

    assert_constant_queries(api(world.tokens["reader"]), "/orgs/w-org/members", min_items=4)


def test_token_lists_query_count_is_constant(world, api, make_token):
    from tests.api.helpers import assert_constant_queries

    for _ in range(3):
        make_token(world.admin)
        api(world.tokens["admin"]).post("/repos/w-org/priv/deploy-tokens", {"name": "d"})
    assert_constant_queries(api(world.tokens["admin"]), "/user/tokens", min_items=3)
    assert_constant_queries(api(world.tokens["admin"]), "/repos/w-org/priv/deploy-tokens", min_items=3)
