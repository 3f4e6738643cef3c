"""Under ASGI the middleware chain runs as one synchronous block (SynchronousChainMiddleware): a
request crosses from the event loop into a thread once, not once per middleware and phase."""

import asyncio

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings

from tests.events.asgi_client import Stream

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_middleware_is_synchronous_only():
    from django.utils.module_loading import import_string

    last = import_string(settings.MIDDLEWARE[-1])
    assert last.sync_capable and not last.async_capable


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
    # a REST request, 26 for a stream's connect). Left: the chain, Django's process_view calls (made by
    # its innermost asynchronous handler), the view or the stream's database reads, the close.
    assert [name for name in ran if "process_request" in name or "process_response" in name] == [], ran
    assert len(ran) <= 10, ran
