import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.accounts.actors import actor_for_user
from kizuna.events.models import Event
from repos import services as repo_services

pytestmark = pytest.mark.django_db


def bump(world, user, n=1, repo=None):
    for i in range(n):
        repo_services.repo_update(actor=actor_for_user(user), repo=repo or world.public, description=f"d{i}-{user.pk}")


def test_list_newest_first_with_shape(world, api):
    bump(world, world.admin, 3)
    r = api(world.tokens["reader"]).get("/repos/w-org/pub/events")
    assert r.status_code == 200
    events = r.json()
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4  # created + 3 updates
    e = events[0]
    assert set(e) == {"id", "type", "repository", "actor", "on_behalf_of", "payload", "created_at"}
    assert e["type"] == "repository.updated"
    assert e["repository"]["full_name"] == "w-org/pub" and e["repository"]["url"].endswith("/api/v1/repos/w-org/pub")
    assert e["actor"] == {"id": world.admin.pk, "login": "w-admin", "type": "User"} and e["on_behalf_of"] is None
    assert e["created_at"].endswith("Z")


def test_filters(world, api):
    bump(world, world.admin, 2)
    first_update = Event.objects.filter(repository=world.public, type="repository.updated").order_by("id").first()
    client = api(world.tokens["reader"])
    assert {e["type"] for e in client.get("/repos/w-org/pub/events", {"type": "repository.updated"}).json()} == {"repository.updated"}
    assert len(client.get("/repos/w-org/pub/events", {"type": "repository"}).json()) == 3
    assert client.get("/repos/w-org/pub/events", {"type": "push"}).json() == []
    assert len(client.get("/repos/w-org/pub/events", {"actor": "W-ADMIN"}).json()) == 3
    assert client.get("/repos/w-org/pub/events", {"actor": "w-reader"}).json() == []
    after = client.get("/repos/w-org/pub/events", {"after_id": first_update.pk}).json()
    assert [e["id"] for e in after] == [first_update.pk + 0 + e for e in ()] or all(e["id"] > first_update.pk for e in after)
    assert len(after) == 1
    r = client.get("/repos/w-org/pub/events", {"after_id": "abc"})
    assert r.status_code == 422 and "after_id" in r.json()["error"]["details"]


def test_private_repo_events_are_hidden(world, api):
    bump(world, world.admin, 1, repo=world.private)
    assert api(world.tokens["outsider"]).get("/repos/w-org/priv/events").status_code == 404
    assert api().get("/repos/w-org/priv/events").status_code == 404
    assert api(world.tokens["reader"]).get("/repos/w-org/priv/events").status_code == 200
    assert api().get("/repos/w-org/pub/events").status_code == 200


def test_query_count_does_not_grow_with_per_page(world, api, make_user):
    users = [make_user() for _ in range(3)]
    for u in users:
        from kizuna.accounts.services import member_set

        member_set(actor=actor_for_user(world.admin), org=world.org, user=u, role="admin")
        bump(world, u, 40)
    client = api(world.tokens["reader"])
    client.get("/repos/w-org/pub/events")  # warm-up: the token's last_used_at write happens once
    counts = []
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/repos/w-org/pub/events", {"per_page": per_page})
        assert r.status_code == 200 and len(r.json()) == per_page
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
