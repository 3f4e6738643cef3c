"""docs/api.md §3: token format, lookup, expiry, revocation, kinds, last_used_at, /user and /user/tokens."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kizuna.accounts import tokens as token_format
from kizuna.accounts.actors import actor_for
from kizuna.accounts.models import Token
from kizuna.api.authentication import lookup_token
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db


def test_token_shape():
    for kind, prefix in (("personal", "kzp_"), ("agent", "kza_"), ("deploy", "kzd_")):
        raw = token_format.generate(kind)
        assert raw.startswith(prefix) and len(raw) == 40
        assert raw[4:].isalnum()
        assert token_format.parse_kind(raw) == kind


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # checksum
    lambda t: t[:10] + ("x" if t[10] != "x" else "y") + t[11:],  # random part
    lambda t: "kza_" + t[4:],  # prefix swapped: checksum covers the prefix
    lambda t: t + "0",
    lambda t: t[:20],
    lambda t: t[:-2] + "!!",
    lambda t: "",
])
def test_bad_shape_or_checksum_is_rejected_without_a_query(world, django_assert_num_queries, mutate):
    from rest_framework.exceptions import AuthenticationFailed

    bad = mutate(world.tokens["writer"])
    with django_assert_num_queries(0):
        with pytest.raises(AuthenticationFailed):
            lookup_token(bad)
    with django_assert_num_queries(0):  # the whole request: 401 without touching the database
        response = Client().get("/api/v1/repos/w-org/pub", HTTP_AUTHORIZATION=f"Bearer {bad}")
    assert response.status_code == 401


def test_unknown_revoked_and_expired_tokens_are_401(world, api, make_token):
    assert api(token_format.generate("personal")).get("/user").status_code == 401
    raw = make_token(world.writer)
    assert api(raw).get("/user").status_code == 200
    Token.objects.filter(digest=token_format.digest(raw)).update(revoked_at=timezone.now())
    assert api(raw).get("/user").status_code == 401
    expired = make_token(world.writer, expires_at=timezone.now() + timedelta(seconds=30))
    Token.objects.filter(digest=token_format.digest(expired)).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(expired).get("/user")
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="kizuna"'
    world.writer.is_active = False
    world.writer.save()
    assert api(world.tokens["writer"]).get("/user").status_code == 401


def test_only_a_digest_is_stored(world):
    raw = world.tokens["writer"]
    token = Token.objects.get(digest=token_format.digest(raw))
    for value in (token.digest, token.hint, token.name, str(token.scopes)):
        assert raw not in value
    assert token.hint == raw[:8]


def test_last_used_at_is_written_at_most_once_a_minute(world, api, django_assert_num_queries):
    raw = world.tokens["reader"]
    token = Token.objects.get(digest=token_format.digest(raw))
    assert token.last_used_at is None
    client = api(raw)
    client.get("/user")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get("/user")
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    Token.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
    client.get("/user")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_user_endpoint_for_each_kind(world, api, make_agent, make_deploy_token):
    body = api(world.tokens["writer"]).get("/user").json()
    assert body["login"] == "w-writer" and body["type"] == "User" and body["id"] == world.writer.pk
    agent, raw = make_agent(world.writer)
    body = api(raw).get("/user").json()
    assert body["type"] == "Agent" and body["login"] == agent.name and body["id"] == str(agent.pk)
    deploy = make_deploy_token(world.private, scopes=("read", "write"))
    token = Token.objects.get(digest=token_format.digest(deploy))
    assert api(deploy).get("/user").json() == {
        "id": token.pk, "login": f"deploy-{token.pk}", "type": "Deploy", "repository": "w-org/priv",
        "scopes": ["read", "write"],
    }
    session = Client()
    session.force_login(world.reader)
    assert session.get("/api/v1/user").json()["login"] == "w-reader"


def test_user_tokens_list_create_revoke(world, api):
    client = api(world.tokens["writer"])  # the fixture's tokens carry read, write and admin
    created = client.post("/user/tokens", {"name": "ci", "scopes": ["read"], "expires_at": "2099-01-01T00:00:00Z",
                                           "id": 999, "last_used_at": "2020-01-01T00:00:00Z", "bogus": 1})
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["token"]
    assert token_format.parse_kind(secret) == "personal"
    assert body["scopes"] == ["read"] and body["name"] == "ci" and body["expires_at"] == "2099-01-01T00:00:00Z"
    assert body["id"] != 999 and body["last_used_at"] is None
    assert Event.objects.filter(type="token.created", payload__token__id=body["id"]).exists()
    listing = client.get("/user/tokens").json()
    assert body["id"] in [t["id"] for t in listing]
    assert all("token" not in t and "digest" not in t for t in listing)
    assert secret not in client.get("/user/tokens").content.decode()
    new = api(secret)
    assert new.get("/repos/w-org/pub").status_code == 200
    assert new.post("/repos/w-org", {"name": "nope"}).status_code == 403  # read scope only
    assert client.delete(f"/user/tokens/{body['id']}").status_code == 204
    assert Event.objects.filter(type="token.revoked", payload__token__id=body["id"]).exists()
    assert new.get("/user").status_code == 401
    assert client.delete("/user/tokens/abc").status_code == 404
    other = Token.objects.filter(user=world.reader).first()
    assert client.delete(f"/user/tokens/{other.pk}").status_code == 404  # not the caller's


@pytest.mark.parametrize("payload,field", [
    ({}, "name"),
    ({"name": "x", "scopes": ["root"]}, "scopes"),
    ({"name": "x", "scopes": "read"}, "scopes"),
    ({"name": "x", "scopes": []}, "scopes"),
    ({"name": "x", "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "x", "expires_at": "tomorrow"}, "expires_at"),
    ({"name": "x" * 101}, "name"),
])
def test_user_token_create_validation(world, api, payload, field):
    response = api(world.tokens["writer"]).post("/user/tokens", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["details"]
    assert not Event.objects.filter(type="token.created", actor__login="w-writer", payload__token__name="x").exists()


def test_default_scopes(world, api):
    body = api(world.tokens["writer"]).post("/user/tokens", {"name": "d"}).json()
    assert body["scopes"] == ["read", "write"]


def test_token_management_needs_user_credentials_with_admin_scope(world, api, make_token, make_agent, make_deploy_token):
    no_admin = api(make_token(world.writer, scopes=["read", "write"]))
    for call in (lambda c: c.get("/user/tokens"), lambda c: c.post("/user/tokens", {"name": "x"}),
                 lambda c: c.delete("/user/tokens/1")):
        assert call(no_admin).status_code == 403
        assert call(api(make_agent(world.writer)[1])).status_code == 403
        assert call(api(make_deploy_token(world.public))).status_code == 403
        assert call(api()).status_code == 401
    session = Client()
    session.force_login(world.writer)
    assert session.get("/api/v1/user/tokens").status_code == 200


def test_create_token_command_prints_only_the_token(world, capsys):
    call_command("create_token", "W-WRITER", "--name", "cli", "--scopes", "read,admin", "--expires-in-days", "3")
    out = capsys.readouterr().out
    raw = out.strip()
    assert out == raw + "\n" or out == raw
    assert token_format.parse_kind(raw) == "personal"
    token = Token.objects.get(digest=token_format.digest(raw))
    assert token.user == world.writer and token.scopes == ["read", "admin"] and token.name == "cli"
    assert timedelta(days=2) < token.expires_at - timezone.now() <= timedelta(days=3)


def test_create_token_command_errors(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_token", "nobody")
    with pytest.raises(CommandError):
        call_command("create_token", "w-writer", "--scopes", "root")


def test_deploy_tokens_endpoints(world, api, make_token):
    admin = api(world.tokens["admin"])
    created = admin.post("/repos/w-org/priv/deploy-tokens", {"name": "ci", "scopes": ["read", "write"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert token_format.parse_kind(body["token"]) == "deploy"
    deploy = api(body["token"])
    assert deploy.get("/repos/w-org/priv").status_code == 200
    assert deploy.get("/repos/w-org/priv/deploy-tokens").status_code == 403
    listing = admin.get("/repos/w-org/priv/deploy-tokens").json()
    assert [t["id"] for t in listing] == [body["id"]] and "token" not in listing[0]
    assert admin.post("/repos/w-org/priv/deploy-tokens", {"name": "x", "scopes": ["admin"]}).status_code == 422
    assert Event.objects.filter(type="token.created", repository=world.private).count() == 1
    for who in ("writer", "maintainer", "reader"):
        assert api(world.tokens[who]).get("/repos/w-org/priv/deploy-tokens").status_code == 403
        assert api(world.tokens[who]).post("/repos/w-org/priv/deploy-tokens", {"name": "x"}).status_code == 403
    assert api(world.tokens["outsider"]).get("/repos/w-org/priv/deploy-tokens").status_code == 404
    assert api().get("/repos/w-org/priv/deploy-tokens").status_code == 404
    assert api().get("/repos/w-org/pub/deploy-tokens").status_code == 401
    no_admin_scope = api(make_token(world.admin, scopes=["read", "write"]))
    assert no_admin_scope.get("/repos/w-org/priv/deploy-tokens").status_code == 403
    assert api(world.tokens["writer"]).delete(f"/repos/w-org/priv/deploy-tokens/{body['id']}").status_code == 403
    assert admin.delete(f"/repos/w-org/pub/deploy-tokens/{body['id']}").status_code == 404  # another repo's
    assert admin.delete(f"/repos/w-org/priv/deploy-tokens/{body['id']}").status_code == 204
    assert Event.objects.filter(type="token.revoked", repository=world.private).count() == 1
    assert deploy.get("/repos/w-org/priv").status_code == 401


def test_deploy_token_sees_only_its_repo_and_may_not_write_elsewhere(world, api, make_deploy_token, make_org, make_repo):
    deploy = api(make_deploy_token(world.private, scopes=("read", "write")))
    other = make_repo(world.org, "other", visibility="private")
    assert deploy.get("/repos/w-org/other").status_code == 404
    assert deploy.get("/repos/w-org/pub").status_code == 200  # what anonymous callers see
    assert deploy.patch("/repos/w-org/priv", {"description": "x"}).status_code == 403
    assert deploy.post("/repos/w-org", {"name": "x"}).status_code == 403
    assert deploy.delete("/repos/w-org/priv").status_code == 403
    names = [r["name"] for r in deploy.get("/repos/w-org").json()]
    assert sorted(names) == ["priv", "pub"] and other.name not in names


def test_lookup_is_one_query_with_the_principal_joined(world, make_agent, make_deploy_token, django_assert_num_queries):
    """Every kind's lookup (a statement compiled once per kind) reads the token and what its principal
    is built from in one query; last_used_at is then written once (a fresh token)."""
    _, agent_raw = make_agent()
    raws = {"personal": world.tokens["reader"], "agent": agent_raw, "deploy": make_deploy_token(world.public)}
    for kind, raw in raws.items():
        # the first lookup writes last_used_at (and an agent's last_seen_at); the second writes nothing
        lookup_token(raw)
        with django_assert_num_queries(1):
            principal, token = lookup_token(raw)
            assert token.kind == kind
            if kind == "personal":
                assert principal.username == "w-reader"
                assert actor_for(principal).login == "w-reader"  # joined too: a write's actor costs no query
            elif kind == "agent":
                assert principal.operator.is_active
            else:
                assert principal.token.repository.name == "pub"
    from rest_framework.exceptions import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        lookup_token(token_format.generate("personal"))  # a well-formed token that does not exist
