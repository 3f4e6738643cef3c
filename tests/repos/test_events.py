"""docs/api.md §13: every write appends its event in the same transaction — no event, no change."""

import pytest
from django.test import Client

from kizuna.accounts.models import Membership, Namespace, Token
from kizuna.events.models import Event
from repos.models import Repository

pytestmark = pytest.mark.django_db


def failing_emit(**kwargs):
    raise RuntimeError("event log unavailable")


def call(method, path, token, body="{}"):
    client = Client(raise_request_exception=False)
    return getattr(client, method)(f"/api/v1{path}", data=body, content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")


def test_repo_writes_roll_back_when_their_event_fails(world, monkeypatch, settings):
    from repos import services

    monkeypatch.setattr(services, "emit_event", failing_emit)
    before = Event.objects.count()
    assert call("post", "/repos/w-org", world.tokens["admin"], '{"name": "x"}').status_code == 500
    assert not Repository.objects.filter(name="x").exists()
    assert len(list(settings.KIZUNA_GIT_ROOT.iterdir())) == 2
    assert call("patch", "/repos/w-org/pub", world.tokens["admin"], '{"name": "y", "description": "z"}').status_code == 500
    world.public.refresh_from_db()
    assert (world.public.name, world.public.description) == ("pub", "")
    assert call("delete", "/repos/w-org/pub", world.tokens["admin"]).status_code == 500
    assert Repository.objects.filter(pk=world.public.pk).exists()
    assert Event.objects.count() == before


def test_account_writes_roll_back_when_their_event_fails(world, monkeypatch):
    from kizuna.accounts import services

    monkeypatch.setattr(services, "emit_event", failing_emit)
    tokens_before = Token.objects.count()
    assert call("post", "/orgs", world.tokens["outsider"], '{"login": "neworg"}').status_code == 500
    assert not Namespace.objects.filter(login="neworg").exists()
    assert call("put", "/orgs/w-org/members/w-out", world.tokens["admin"], '{"role": "read"}').status_code == 500
    assert not Membership.objects.filter(user=world.outsider).exists()
    assert call("delete", "/orgs/w-org/members/w-reader", world.tokens["admin"]).status_code == 500
    assert Membership.objects.filter(user=world.reader).exists()
    assert call("post", "/user/tokens", world.tokens["admin"], '{"name": "t"}').status_code == 500
    assert Token.objects.count() == tokens_before


def test_each_write_emits_its_event(world, api, django_capture_on_commit_callbacks):
    admin = api(world.tokens["admin"])
    start = Event.objects.order_by("-id").values_list("id", flat=True).first()
    admin.post("/repos/w-org", {"name": "ev"})
    admin.patch("/repos/w-org/ev", {"description": "d"})
    admin.patch("/repos/w-org/ev", {"name": "ev2"})
    with django_capture_on_commit_callbacks(execute=True):
        admin.delete("/repos/w-org/ev2")
    admin.post("/orgs", {"login": "ev-org"})
    admin.put("/orgs/w-org/members/w-out", {"role": "read"})
    admin.put("/orgs/w-org/members/w-out", {"role": "write"})
    admin.delete("/orgs/w-org/members/w-out")
    token_id = admin.post("/user/tokens", {"name": "t"}).json()["id"]
    admin.delete(f"/user/tokens/{token_id}")
    types = list(Event.objects.filter(id__gt=start).order_by("id").values_list("type", flat=True))
    assert types == [
        "repository.created", "repository.updated", "repository.renamed", "repository.deleted",
        "organization.created", "member.added", "member.added", "member.changed", "member.removed",
        "token.created", "token.revoked",
    ]
    assert all(e.actor.login == "w-admin" for e in Event.objects.filter(id__gt=start))
