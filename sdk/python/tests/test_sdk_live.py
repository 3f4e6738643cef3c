"""The Python SDK against a real Kizuna server (accounts, organisations, repositories, errors, limits)."""

from __future__ import annotations

import pytest

from kizuna_sdk import (
    ForbiddenError,
    KizunaClient,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    ValidationError,
)
from kizuna_sdk.models import Organization, Repository, Resource, User


def test_request_reaches_any_endpoint(client):
    me = client.request("GET", "/user")
    assert isinstance(me, Resource) and isinstance(client.request("GET", "/user", cls=User), User)
    assert me.login == me["login"] == "alice" and me.type == "User"
    assert client.request("GET", "user").login == "alice"  # leading slash optional


def test_rate_limit_from_last_response(client):
    client.request("GET", "/user")
    first = client.rate_limit
    client.request("GET", "/user")
    assert first.limit == client.rate_limit.limit == 5000 and first.resource == "core"
    assert client.rate_limit.remaining == first.remaining - 1


def test_repository_crud(client, unique):
    name = unique("repo")
    repo = client.repos.create("my-org", name, description="made by the SDK", visibility="private")
    assert isinstance(repo, Repository)
    assert (repo.full_name, repo.private, repo.owner.login) == (f"my-org/{name}", True, "my-org")
    assert client.repos.get("my-org", name.upper()).id == repo.id
    updated = client.repos.update("my-org", name, description="changed", visibility="public")
    assert (updated.description, updated.visibility) == ("changed", "public")
    assert client.repos.delete("my-org", name) is None
    with pytest.raises(NotFoundError):
        client.repos.get("my-org", name)


def test_list_is_lazy_and_follows_link_across_pages(client, unique):
    org = unique("pages")
    client.orgs.create(org, name="Pagination")
    names = sorted(unique("r") for _ in range(5))
    for name in names:
        client.repos.create(org, name)
    before = client.last_response
    listing = client.repos.list(org, sort="name", direction="asc", per_page=2)
    assert client.last_response is before  # nothing fetched yet
    pages = list(listing.pages())
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [r.name for p in pages for r in p] == names
    assert listing.total_count == 5
    assert [r.name for r in listing] == names  # iterating again starts over
    assert listing.first().name == names[0]
    assert all(isinstance(r, Repository) for r in listing.all())


def test_seeded_repo_and_filters(client):
    public = [r.name for r in client.repos.list("my-org", visibility="public")]
    assert "my-repo" in public


def test_orgs_and_members(client, make_client, unique):
    login = unique("org")
    org = client.orgs.create(login, name="An org", description="d")
    assert isinstance(org, Organization) and org.type == "Organization"
    assert client.orgs.get(login).description == "d"
    assert [(m.login, m.role) for m in client.orgs.members(login)] == [("alice", "admin")]
    client.orgs.set_member(login, "bob", "write")
    assert {m.login: m.role for m in client.orgs.members(login, per_page=1)} == {"alice": "admin", "bob": "write"}
    bob = make_client("bob")
    assert [m.login for m in bob.orgs.members(login)]  # a member may list
    client.orgs.remove_member(login, "bob")
    with pytest.raises(ForbiddenError):
        bob.orgs.members(login).all()


def test_unauthorized(make_client, server):
    for token in ["kzp_not-a-real-token", "kzp_" + "A" * 36]:
        bad = make_client(token)
        with pytest.raises(UnauthorizedError) as info:
            bad.request("GET", "/user")
        err = info.value
        assert (err.status, err.code) == (401, "UNAUTHORIZED") and err.request_id and err.message


def test_forbidden(make_client):
    reader = make_client("alice_read")  # a read-only token may not write
    with pytest.raises(ForbiddenError) as info:
        reader.repos.create("my-org", "never")
    assert info.value.status == 403 and info.value.code == "FORBIDDEN"


def test_not_found_and_private_repos_look_missing(client, make_client, unique):
    name = unique("secret")
    client.repos.create("my-org", name, visibility="private")
    with pytest.raises(NotFoundError) as info:
        make_client("bob").repos.get("my-org", name)
    assert info.value.status == 404 and info.value.code == "NOT_FOUND"
    with pytest.raises(NotFoundError):
        client.repos.list("no-such-org").all()


def test_validation_error_carries_details(client):
    with pytest.raises(ValidationError) as info:
        client.repos.create("my-org", "my-repo")
    err = info.value
    assert (err.status, err.code) == (422, "VALIDATION_ERROR")
    assert err.details == {"name": ["already exists"]}
    with pytest.raises(ValidationError) as info:
        client.repos.list("my-org", per_page=0).all()
    assert "per_page" in info.value.details


def test_real_429_gives_rate_limited_error(make_client, server):
    limited = make_client("carol_limited", url=server["limited_url"], retry=False)
    for _ in range(server["limit"]):
        limited.request("GET", "/user")
    assert limited.rate_limit.remaining == 0
    with pytest.raises(RateLimitedError) as info:
        limited.request("GET", "/user")
    err = info.value
    assert (err.status, err.code) == (429, "RATE_LIMITED")
    assert err.retry_after is not None and 0 < err.retry_after <= 3600
    assert err.request_id and limited.rate_limit.remaining == 0


def test_real_429_is_not_slept_for_an_hour(make_client, server):
    """With retries on, a Retry-After beyond max_retry_wait is raised at once instead of slept."""
    limited = make_client("bob", url=server["limited_url"], max_retry_wait=1.0)
    with pytest.raises(RateLimitedError) as info:
        for _ in range(server["limit"] + 1):
            limited.request("GET", "/user")
    if info.value.retry_after > 1.0:
        assert limited._sleep == []
    else:  # the hour window happened to end within a second: the SDK waited it out once
        assert limited._sleep


def test_wrong_base_url_path_is_a_clear_error(server):
    with KizunaClient(server["url"] + "/not-kizuna", server["tokens"]["alice"]) as client:
        with pytest.raises(NotFoundError) as info:
            client.request("GET", "/user")
    assert info.value.status == 404
