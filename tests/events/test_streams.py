import asyncio
import json
import os
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Membership
from kizuna.events.log import emit_event

from .asgi_client import Stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(settings):
    settings.KIZUNA_SSE_POLL_SECONDS = 0.05
    settings.KIZUNA_SSE_KEEPALIVE_SECONDS = 15
    from kizuna.asgi import application

    return application


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def emit_one(repo, actor, i):
    from django.db import OperationalError

    # SQLite's in-memory test database locks whole tables (no busy timeout for those): on a loaded
    # machine the streams' reads can hold them for a while, so keep trying for up to 30 s.
    deadline = time.monotonic() + 30
    while True:
        try:
            with transaction.atomic():
                return emit_event(type="issue.opened", actor=actor, repository=repo, payload={"n": i}).pk
        except OperationalError:
            if time.monotonic() > deadline:
                raise AssertionError(f"database stayed locked (event {i})") from None
            time.sleep(0.02)


def emit_many(repo, user, n, start=0, noise_repo=None):
    """n events in `repo` (their ids returned); with `noise_repo`, one event there after every 4th."""
    actor = actor_for_user(user)
    ids = []
    for i in range(start, start + n):
        ids.append(emit_one(repo, actor, i))
        if noise_repo is not None and i % 4 == 3:
            emit_one(noise_repo, actor, -i)
        if i % 50 == 49:
            time.sleep(0.01)  # let readers in
    return ids


def _emit_and_close(*args, **kwargs):
    from django.db import connection

    try:
        return emit_many(*args, **kwargs)
    finally:
        connection.close()  # a pool thread's connection would outlive the test database


aemit = sync_to_async(_emit_and_close, thread_sensitive=False)


def run(coro):
    """Run a scenario, then close the DB connection every pool thread kept (streams reuse them)."""

    async def wrapper():
        try:
            return await coro
        finally:
            loop = asyncio.get_running_loop()
            workers = min(32, (os.cpu_count() or 1) + 4)  # the default executor's size
            barrier = threading.Barrier(workers)

            def close():
                from django.db import connections

                connections.close_all()
                try:
                    barrier.wait(timeout=5)  # so each of the pool's threads runs one of these
                except threading.BrokenBarrierError:
                    pass

            await asyncio.gather(*(loop.run_in_executor(None, close) for _ in range(workers)))

    return asyncio.run(wrapper())


def test_stream_starts_with_retry_and_shows_new_events_only(world, app):
    emit_many(world.public, world.admin, 2)  # before the connection: not shown

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream", auth(world.tokens["reader"])).open()
        assert s.status == 200 and s.response_headers["content-type"].startswith("text/event-stream")
        # The rate-limit and request-id middleware still answer on a streaming response.
        assert "x-ratelimit-limit" in s.response_headers and "x-request-id" in s.response_headers
        frames = await s.read()
        assert frames[0] == {"retry": "3000"}
        ids = await aemit(world.public, world.admin, 3, 100)
        got = []
        while len(got) < 3:
            got += [f for f in await s.read() if "id" in f]
        await s.close()
        return ids, got

    ids, got = run(scenario())
    assert [int(f["id"]) for f in got] == ids
    assert all(f["event"] == "issue.opened" for f in got)
    data = json.loads(got[0]["data"])
    assert data["payload"] == {"n": 100} and data["repository"]["full_name"] == "w-org/pub"
    assert data["repository"]["url"] == "http://testserver/api/v1/repos/w-org/pub"


def _open_issue_and_close(repo, user, title):
    from django.db import OperationalError, connection

    from issues.services import issue_create

    try:
        for _ in range(50):  # SQLite's in-memory test database locks whole tables
            try:
                return issue_create(repo=repo, actor=actor_for_user(user), title=title).number
            except OperationalError:
                time.sleep(0.02)
        raise AssertionError("database stayed locked")
    finally:
        connection.close()


@pytest.mark.parametrize("public_url", ["", "https://public.example"])
def test_payload_urls_are_absolute_at_the_streams_root(world, app, settings, public_url):
    settings.KIZUNA_PUBLIC_URL = public_url
    root = public_url or "http://testserver"  # the root the stream was reached at

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream", auth(world.tokens["reader"])).open()
        await s.read()  # retry:
        number = await sync_to_async(_open_issue_and_close, thread_sensitive=False)(world.public, world.admin, "x")
        got = []
        while not got:
            got = [f for f in await s.read() if f.get("event") == "issue.opened"]
        await s.close()
        return number, json.loads(got[0]["data"])

    number, data = run(scenario())
    assert data["repository"]["url"] == f"{root}/api/v1/repos/w-org/pub"
    assert data["payload"]["issue"]["url"] == f"{root}/api/v1/repos/w-org/pub/issues/{number}"


def _public_event_ids(repo):
    from django.db import connection

    from kizuna.events.models import Event

    try:
        return list(Event.objects.filter(repository=repo).values_list("id", flat=True))
    finally:
        connection.close()


def test_thousand_events_with_forced_disconnects_none_missed_none_repeated(world, app, settings):
    settings.KIZUNA_SSE_BUFFER = 100  # small, so resumes exercise the database catch-up path too
    from kizuna.events.models import Event

    before = list(Event.objects.filter(repository=world.public).order_by("id").values_list("id", flat=True))
    total = 1000 + len(before)

    async def scenario():
        seen: list[int] = []
        last = None
        disconnects = 0
        resumed_after = []
        headers = auth(world.tokens["reader"])
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream?last_event_id=0", headers).open()
        # 1,000 events in the public repo, interleaved with 250 in the private one (not in this stream).
        producer = asyncio.ensure_future(aemit(world.public, world.admin, 1000, 0, world.private))
        idle = 0
        while len(seen) < total:
            frames = await s.read(timeout=5)
            # Keepalive comments are frames too: only events count as progress, or a stalled stream that
            # keeps sending keepalives would loop here for ever.
            idle = 0 if any("id" in f for f in frames) else idle + 1
            if idle >= 6:
                if producer.done():
                    producer.result()  # the producer's own failure, if it failed
                stored = await sync_to_async(_public_event_ids, thread_sensitive=False)(world.public)
                missing = sorted(set(stored) - set(seen))
                raise AssertionError(f"stalled after {len(seen)} events; producer done: {producer.done()}; "
                                     f"not received: {missing[:10]} ({len(missing)}); resumed after: {resumed_after}")
            seen += [int(f["id"]) for f in frames if "id" in f]
            if seen:
                last = seen[-1]
            # Drop the connection every ~150 events, mid-stream, and resume with Last-Event-ID.
            if len(seen) // 150 > disconnects and len(seen) < total:
                await s.close()
                disconnects += 1
                resumed_after.append(last)
                hdrs = {**headers, "Last-Event-ID": str(last)} if disconnects % 2 else headers
                path = "/api/v1/repos/w-org/pub/events/stream" + ("" if disconnects % 2 else f"?last_event_id={last}")
                for _ in range(20):
                    # SQLite's shared-cache test database refuses a locked table at once, and a connect's
                    # read gives up after ~1.4 s of retries (pool.db): on a loaded machine, with the
                    # producer writing, a reconnect can be refused; a client reconnects again, as here.
                    s = await Stream(app, path, hdrs).open()
                    if s.status == 200:
                        break
                    assert s.status == 503 and s.response_headers.get("retry-after"), s.status  # never a 500
                    await s.body()
                    await asyncio.sleep(0.2)
                assert s.status == 200, s.status
        await s.close()
        return await producer, seen, disconnects

    ids, seen, disconnects = run(scenario())
    assert disconnects >= 5
    assert seen == before + ids  # all 1,000 (after the repo's earlier events), in order, none twice


def test_events_the_hub_reads_during_an_access_recheck_are_still_sent(world, app, monkeypatch):
    """An access-changing event makes a stream decide access afresh (a database round trip); events the
    hub reads meanwhile were once skipped, as the stream moved on to the hub's newer cursor."""
    from kizuna.events.streams import hub as hubs
    from kizuna.events.streams import views

    original = views.recheck_access
    during: list[int] = []

    async def recheck_while_the_hub_reads_on(*args, **kwargs):
        if not during:
            hub = await hubs.get_hub()
            during.extend(await aemit(world.public, world.admin, 2, 500))
            hub.poke.set()
            while hub.cursor < during[-1]:  # the hub has read them before the re-check answers
                await asyncio.sleep(0.01)
        return await original(*args, **kwargs)

    monkeypatch.setattr(views, "recheck_access", recheck_while_the_hub_reads_on)

    def access_changing_event():
        from django.db import connection

        try:
            with transaction.atomic():
                return emit_event(type="repository.updated", actor=actor_for_user(world.admin), repository=world.public,
                                  payload={"changes": {}}).pk
        finally:
            connection.close()

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream", auth(world.tokens["reader"])).open()
        await s.read()  # retry:
        changed = await sync_to_async(access_changing_event, thread_sensitive=False)()
        got: list[int] = []
        for _ in range(20):
            got += [int(f["id"]) for f in await s.read(timeout=1) if "id" in f]
            if during and set(during) <= set(got):
                break
        await s.close()
        return changed, got

    changed, got = run(scenario())
    assert got == [changed, *during]


def test_bad_last_event_id_is_422(world, app):
    async def scenario():
        out = []
        for headers, query in (({"Last-Event-ID": "abc"}, ""), ({}, "?last_event_id=-3"), ({"Last-Event-ID": "99999999"}, ""),
                               ({}, "?last_event_id=1.5")):
            s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream" + query, {**auth(world.tokens["reader"]), **headers}).open()
            out.append((s.status, await s.json()))
        return out

    for status, body in run(scenario()):
        assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR"


def test_access_rules(world, app):
    async def status(path, headers=None):
        s = await Stream(app, path, headers).open()
        body = await s.json() if s.status != 200 else None
        if s.status == 200:
            await s.close()
        return s.status, body

    async def scenario():
        return [
            await status("/api/v1/repos/w-org/priv/events/stream"),
            await status("/api/v1/repos/w-org/priv/events/stream", auth(world.tokens["outsider"])),
            await status("/api/v1/repos/w-org/priv/events/stream", auth(world.tokens["reader"])),
            await status("/api/v1/repos/w-org/pub/events/stream"),
            await status("/api/v1/user/events/stream"),
            await status("/api/v1/user/events/stream", {"Authorization": "Bearer kzp_nonsense"}),
            await status("/api/v1/repos/w-org/nope/events/stream", auth(world.tokens["admin"])),
        ]

    results = run(scenario())
    assert [r[0] for r in results] == [404, 404, 200, 200, 401, 401, 404]
    assert results[4][1]["error"]["code"] == "UNAUTHORIZED"


def test_user_stream_shows_only_readable_repos(world, app, make_org, make_repo, make_user):
    elsewhere = make_org(owner=make_user())
    hidden = make_repo(elsewhere, "secret", visibility="private")
    stranger = elsewhere.memberships.first().user

    async def scenario():
        out = {}
        streams = {who: await Stream(app, "/api/v1/user/events/stream", auth(world.tokens[who])).open()
                   for who in ("reader", "outsider")}
        await aemit(hidden, stranger, 2)
        await aemit(world.private, world.admin, 2)
        pub = await aemit(world.public, world.admin, 2)
        for who, s in streams.items():
            got = []
            while not got or int(got[-1]["id"]) < pub[-1]:
                got += [f for f in await s.read() if "id" in f]
            out[who] = [json.loads(f["data"])["repository"]["full_name"] for f in got]
            await s.close()
        return out

    out = run(scenario())
    assert out["reader"] == ["w-org/priv"] * 2 + ["w-org/pub"] * 2
    assert out["outsider"] == ["w-org/pub"] * 2


def test_session_auth_works_for_eventsource(world, app):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(world.reader.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = world.reader.get_session_auth_hash()
    session.create()

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/priv/events/stream", {"Cookie": f"sessionid={session.session_key}"}).open()
        st = s.status
        if st == 200:
            await s.close()
        return st

    assert run(scenario()) == 200


def test_keepalive_comment(world, app, settings):
    settings.KIZUNA_SSE_KEEPALIVE_SECONDS = 0.2

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/pub/events/stream").open()
        frames = []
        while not any(f.get("comment") == "keepalive" for f in frames):
            frames += await s.read(timeout=5)
        await s.close()
        return frames

    frames = run(scenario())
    assert frames[0] == {"retry": "3000"}


def test_revoked_access_ends_the_stream(world, app, settings):
    settings.KIZUNA_SSE_ACCESS_RECHECK_SECONDS = 0.2

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/priv/events/stream", auth(world.tokens["reader"])).open()
        await s.read()
        await sync_to_async(Membership.objects.filter(user=world.reader).delete, thread_sensitive=False)()
        await aemit(world.private, world.admin, 1)
        got = await s.read_until_ended(50)
        ended = s.ended
        await s.close()
        return ended, got

    ended, got = run(scenario())
    assert ended is True


def test_open_streams_hold_no_threads(world, app):
    async def scenario():
        before = threading.active_count()
        streams = [await Stream(app, "/api/v1/repos/w-org/pub/events/stream", auth(world.tokens["reader"])).open()
                   for _ in range(30)]
        for s in streams:
            await s.read()
        await asyncio.sleep(0.5)
        during = threading.active_count()
        for s in streams:
            await s.close()
        return before, during

    before, during = run(scenario())
    assert during - before < 15, (before, during)


@pytest.mark.parametrize("path", ["/api/v1/user/events/stream", "/api/v1/repos/{org}/{repo}/events/stream"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_with_allow(world, path, method):
    """Django's CSRF check answered 403 (no Allow) before the view: anonymous, as a browser, with a token."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = path.format(org=world.org.login, repo=world.public.name)
    for headers in ({}, auth(world.tokens["admin"])):
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 405, response.content
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_head_answers_like_get_without_a_stream(world):
    from django.test import Client

    response = Client().head(f"/api/v1/repos/{world.org.login}/{world.public.name}/events/stream")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response.content == b""
    private = Client().head(f"/api/v1/repos/{world.org.login}/{world.private.name}/events/stream")
    assert private.status_code == 404


def test_a_connect_looks_the_token_up_once_and_each_recheck_afresh(world, app, settings, monkeypatch):
    """The stream's connect reuses the lookup its rate limiter made in the same request (a second
    one cost a quarter of a connect); re-checks must not, or a revoked token would keep streaming."""
    from kizuna.api import authentication

    settings.KIZUNA_SSE_ACCESS_RECHECK_SECONDS = 0.2
    calls = []
    real = authentication.lookup_token
    monkeypatch.setattr(authentication, "lookup_token", lambda raw: calls.append(raw) or real(raw))

    async def scenario():
        s = await Stream(app, "/api/v1/repos/w-org/priv/events/stream", auth(world.tokens["reader"])).open()
        await s.read()
        at_connect = len(calls)
        await asyncio.sleep(0.6)  # a few timer re-checks
        await s.read(timeout=0.5)
        await s.close()
        return s.status, at_connect, len(calls)

    status, at_connect, total = run(scenario())
    assert status == 200
    assert at_connect == 1
    assert total > at_connect


def test_the_hub_hands_each_stream_only_what_follows_its_cursor():
    from kizuna.events.streams.hub import Entry, Hub

    hub = Hub()
    hub.append([Entry(i, (None, None, None), {"type": "issue.opened"}) for i in (3, 4, 7, 9)])
    assert [e.id for e in hub.after(0)] == [3, 4, 7, 9]
    assert [e.id for e in hub.after(4)] == [7, 9]
    assert [e.id for e in hub.after(5)] == [7, 9]
    assert hub.after(9) == []


def test_a_stream_sleeps_until_the_hub_reads_on_or_its_deadline():
    """Streams sleep on the hub's wake-up and their own deadline without a task or a timer per wake."""
    from kizuna.events.streams.hub import Hub, Sleeper

    async def scenario():
        hub, sleeper = Hub(), Sleeper()
        seen = hub.generation
        hub.notify()  # the hub read on after the stream looked at the buffer: not missed
        await asyncio.wait_for(sleeper.sleep(hub, seen, 60), 5)
        assert sleeper.timer is None  # returned at once

        seen = hub.generation
        sleeping = asyncio.ensure_future(sleeper.sleep(hub, seen, 60))
        await asyncio.sleep(0)
        timer = sleeper.timer
        hub.notify()
        await asyncio.wait_for(sleeping, 5)
        assert hub.waiters == set()

        # The next sleep keeps the timer (its deadline is no later than asked) ...
        sleeping = asyncio.ensure_future(sleeper.sleep(hub, hub.generation, 120))
        await asyncio.sleep(0)
        assert sleeper.timer is timer
        hub.notify()
        await sleeping
        # ... and an earlier deadline replaces it, then wakes the stream with no event.
        await asyncio.wait_for(sleeper.sleep(hub, hub.generation, 0.01), 5)
        assert timer.cancelled() and sleeper.timer is None
        sleeper.close()
        return hub

    hub = asyncio.run(scenario())
    assert hub.waiters == set()


def test_a_frame_is_serialized_and_encoded_once_per_event_and_root():
    from kizuna.events.streams.hub import Entry, render

    entry = Entry(7, (1, 1, "public"), {"type": "issue.opened", "repository": None, "payload": {"n": 1}})
    frame = render(entry, "http://a.example")
    assert isinstance(frame, bytes) and frame.startswith(b"id: 7\nevent: issue.opened\ndata: {")
    assert render(entry, "http://a.example") is frame  # every stream at that root writes the same bytes
    assert render(entry, "http://b.example") is not frame
