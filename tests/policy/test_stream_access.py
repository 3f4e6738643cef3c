"""Streams decide who reads what through the policy, and decide again when access changes — on the
event that changes it, not on a timer."""

import pytest
from asgiref.sync import sync_to_async

from kizuna.accounts.models import Membership, Token
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.services import member_remove
from tests.events.asgi_client import Stream
from tests.events.test_streams import aemit, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(settings):
    settings.KIZUNA_SSE_POLL_SECONDS = 0.05
    settings.KIZUNA_SSE_ACCESS_RECHECK_SECONDS = 3600  # no timer can make these tests pass
    from kizuna.asgi import application

    return application


def test_repository_made_private_ends_an_outsiders_stream_at_once(world, app, settings):

    def make_private():
        from django.db import connection

        from repos.services import repo_update

        try:
            repo_update(actor=actor_for_user(world.admin), repo=world.public, visibility="private")
        finally:
            connection.close()

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream",
                         {"Authorization": f"Bearer {world.tokens['outsider']}"}).open()
        assert s.status == 200
        await s.read()
        await sync_to_async(make_private, thread_sensitive=False)()
        await aemit(world.public, world.admin, 3, 1)  # issue events after the change
        got = await s.read_until_ended(20)
        ended = s.ended
        await s.close()
        return ended, got

    ended, got = run(scenario())
    assert ended is True
    assert [f["event"] for f in got if f["event"] == "issue.opened"] == []


def test_member_removed_stops_seeing_private_events_on_the_user_stream(world, app, settings):

    def remove_reader():
        from django.db import connection

        try:
            member_remove(actor=actor_for_user(world.admin), org=world.org,
                          membership=Membership.objects.get(namespace=world.org, user=world.reader))
        finally:
            connection.close()

    async def scenario():
        s = await Stream(app, "/api/v1/user/events/stream", {"Authorization": f"Bearer {world.tokens['reader']}"}).open()
        await s.read()
        before = await aemit(world.private, world.admin, 1, 1)
        got = []
        while not any(f.get("id") == str(before[0]) for f in got):
            got += await s.read(timeout=5)
        await sync_to_async(remove_reader, thread_sensitive=False)()
        await aemit(world.private, world.admin, 2, 2)
        after = []
        for _ in range(3):
            after += [f for f in await s.read(timeout=1) if "id" in f]
        await s.close()
        return after

    after = run(scenario())
    assert [f for f in after if f["event"] == "issue.opened"] == []


def test_token_events_stay_off_public_streams(world, app):
    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream").open()
        await s.read()

        def make_token():
            from django.db import connection

            from kizuna.accounts.services import token_create

            try:
                token_create(kind=Token.Kind.DEPLOY, name="hidden-deploy", repository=world.public, scopes=["read"],
                             actor=actor_for_user(world.admin))
            finally:
                connection.close()

        await sync_to_async(make_token, thread_sensitive=False)()
        ids = await aemit(world.public, world.admin, 1, 1)
        got = []
        while not any(f.get("id") == str(ids[0]) for f in got):
            got += await s.read(timeout=5)
        await s.close()
        return got

    got = run(scenario())
    assert not [f for f in got if f.get("event", "").startswith("token.")]
