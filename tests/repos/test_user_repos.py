"""`GET /user/repos`: every repository the caller holds a role in (as GitHub's /user/repos), public
and private, across its own namespace and its organisations; the filters and sorts of
`GET /repos/:org`; paginated with a constant query count."""

import pytest

from kizuna.accounts.models import Role

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [repo["full_name"] for repo in response.json()]


@pytest.fixture
def scene(world, make_user, make_org, make_repo, make_token):
    """world.writer: a member of w-org (pub, priv), owner of a personal repo, outsider of `other`."""
    mine = make_repo(world.writer.namespace, "mine", visibility="private")
    other = make_org("w-other")
    make_repo(other, "theirs-pub", visibility="public")
    make_repo(other, "theirs-priv", visibility="private")
    return mine


def test_lists_own_and_organisation_repos_not_strangers(api, world, scene):
    listed = names(api(world.tokens["writer"]).get("/user/repos", {"sort": "name"}))
    assert listed == ["w-writer/mine", "w-org/priv", "w-org/pub"]


def test_outsider_sees_only_its_own(api, world, scene):
    assert names(api(world.tokens["outsider"]).get("/user/repos")) == []


def test_anonymous_is_401(api, world):
    response = api().get("/user/repos")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="kizuna"'


def test_filters_and_sorts_like_the_org_list(api, world, scene):
    client = api(world.tokens["writer"])
    assert names(client.get("/user/repos", {"visibility": "private", "sort": "name"})) == ["w-writer/mine", "w-org/priv"]
    assert names(client.get("/user/repos", {"visibility": "public"})) == ["w-org/pub"]
    assert names(client.get("/user/repos", {"sort": "created", "direction": "asc"})) == [
        "w-org/pub", "w-org/priv", "w-writer/mine"]
    for bad in ({"visibility": "secret"}, {"sort": "stars"}, {"direction": ""}, {"per_page": "x"}):
        response = client.get("/user/repos", bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_agent_lists_its_operators_repos(api, world, scene, make_agent):
    _, token = make_agent(operator=world.writer, trust_level=0)
    assert sorted(names(api(token).get("/user/repos"))) == ["w-org/priv", "w-org/pub", "w-writer/mine"]


def test_deploy_token_lists_its_repository(api, world, scene, make_deploy_token):
    token = make_deploy_token(world.private)
    assert names(api(token).get("/user/repos")) == ["w-org/priv"]


def test_superuser_lists_every_repository(api, world, scene, make_user, make_token):
    root = make_user("root", is_superuser=True, is_staff=True)
    assert len(names(api(make_token(root)).get("/user/repos", {"per_page": 100}))) == 5


def test_token_without_read_scope_is_403(api, world, make_token):
    response = api(make_token(world.writer, scopes=["write"])).get("/user/repos")
    assert response.status_code == 403
    assert response.json()["error"]["details"]["required_scope"] == "read"


def test_removed_member_loses_the_private_repos(api, world, scene):
    from kizuna.accounts import services
    from kizuna.accounts.actors import actor_for_user

    services.member_remove(actor=actor_for_user(world.admin), org=world.org,
                           membership=world.org.memberships.get(user=world.writer))
    assert names(api(world.tokens["writer"]).get("/user/repos")) == ["w-writer/mine"]


def test_paginated_with_constant_queries(api, world, make_repo, django_assert_max_num_queries):
    for i in range(12):
        make_repo(world.org, f"many-{i:02}", visibility="private" if i % 2 else "public")
    client = api(world.tokens["reader"])
    with django_assert_max_num_queries(10) as small:
        response = client.get("/user/repos", {"per_page": 1, "sort": "name"})
    assert names(response) == ["w-org/many-00"]
    assert response["X-Total-Count"] == "14" and 'rel="next"' in response["Link"]
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(names(client.get("/user/repos", {"per_page": 100}))) == 14


def test_same_role_rule_as_read_access(api, world, scene):
    """Each listed repository is readable by the caller, and each of its readable private ones is listed."""
    client = api(world.tokens["reader"])
    for full_name in names(client.get("/user/repos")):
        assert client.get(f"/repos/{full_name}").status_code == 200
    assert world.org.memberships.get(user=world.reader).role == Role.READ  # the weakest role
    assert "w-org/priv" in names(client.get("/user/repos"))
