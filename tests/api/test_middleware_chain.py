"""Under ASGI the middleware chain runs on the event loop (kizuna/api/on_loop.py): a phase crosses into
a thread only when it may block (the rate limiter's lookup and count), not once per middleware and phase."""

import asyncio

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings

from tests.events.asgi_client import Stream

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_middleware_is_async_capable():
    from django.utils.module_loading import import_string

    # One synchronous-only entry and Django runs it, and every phase below it, in a thread.
    assert [name for name in settings.MIDDLEWARE if not import_string(name).async_capable] == []


def crossings(monkeypatch, path, headers=None) -> tuple[int, list[str]]:
    """(status, names of the functions run in a thread by sync_to_async) while answering `path`."""
    from kizuna.asgi import application

    original = SyncToAsync.__call__
    ran: list[str] = []

    def counting(self, *args, **kwargs):
        ran.append(getattr(self.func, "__qualname__", repr(self.func)))
        return original(self, *args, **kwargs)

    async def scenario():
        monkeypatch.setattr(SyncToAsync, "__call__", counting)
        try:
            stream = await Stream(application, path, headers).open()
            status = stream.status
            stream._disconnect.set()
            await asyncio.wait_for(stream.task, 10)
        finally:
            monkeypatch.undo()
        return status

    return asyncio.run(scenario()), ran


@pytest.mark.parametrize("path", ["/api/v1/repos/w-org/pub", "/api/v1/repos/w-org/pub/events/stream"])
def test_no_middleware_phase_crosses_into_a_thread_of_its_own(world, monkeypatch, path):
    status, ran = crossings(monkeypatch, path, {"Authorization": f"Bearer {world.tokens['reader']}"})
    assert status == 200
    # Before: every process_request and process_response ran in a thread of its own (25 crossings for
    # a REST request, 26 for a stream's connect); then the chain as one synchronous block (9). Left:
    # the rate limiter's lookup and count (on the streams' shared pool, `db(...)`), Django's request
    # signals, the view or the stream's database reads, the close; no other middleware phase.
    from kizuna.api.middleware import RateLimitMiddleware
    from kizuna.events.streams.hub import fetch_settled

    limiter = f"db({RateLimitMiddleware.process_request.__qualname__})"  # pool.db's names
    assert limiter in ran, ran
    assert [name for name in ran if "process_" in name and name != limiter] == [], ran
    # The streams' hub reads new events for every stream at once: on its clock, when poked, and with Redis
    # once its subscription stands (kizuna.pubsub.listen); one of those reads may fall inside this
    # connect (CI's PostgreSQL + Redis run saw it) but is not the connect's cost.
    ran = [name for name in ran if name != f"db({fetch_settled.__qualname__})"]
    assert len(ran) <= 5, ran


def test_a_phase_that_may_block_still_runs_in_a_thread():
    """A session written by the view is saved, and messages stored, off the event loop (on the loop the
    ORM raises SynchronousOnlyOperation)."""
    from django.contrib import messages
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from kizuna.api.on_loop import SessionMiddleware
    from kizuna.web.middleware import MessageMiddleware

    async def view(request):
        request.session["seen"] = 1
        messages.info(request, "hello")
        return HttpResponse()

    chain = SessionMiddleware(MessageMiddleware(view))
    response = asyncio.run(chain(RequestFactory().get("/")))
    assert response.status_code == 200
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(session_key=key).load()["seen"] == 1
    assert "messages" in response.cookies
