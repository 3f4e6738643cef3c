"""kizuna/pubsub.py: wake-ups over Redis that degrade to polling, never to an error."""

import asyncio
import logging
import threading
import uuid

import pytest

from kizuna import pubsub


def test_without_redis_publishing_does_nothing_and_a_wait_sleeps(settings, monkeypatch):
    settings.REDIS_URL = ""
    slept = []
    monkeypatch.setattr(pubsub.time, "sleep", slept.append)
    pubsub.publish("kizuna:test", "1")  # no client is made, nothing is raised
    subscription = pubsub.subscribe("kizuna:test")
    assert subscription.pubsub is None
    assert subscription.wait(0.5) is False and slept == [0.5]
    subscription.close()


def test_an_unreachable_redis_is_logged_not_raised(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="kizuna.pubsub"):
        pubsub.publish("kizuna:test", "1")
    assert "could not publish" in caplog.text


def test_the_listener_backs_off_while_redis_is_down(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    delays = []

    async def no_wait(seconds):
        delays.append(seconds)
        if len(delays) == 7:
            raise asyncio.CancelledError

    monkeypatch.setattr(pubsub.asyncio, "sleep", no_wait)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(pubsub.listen("kizuna:test", lambda: pytest.fail("no message without Redis")))
    assert delays == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.redis
def test_a_published_message_wakes_both_kinds_of_listener():
    channel = f"kizuna:test:{uuid.uuid4().hex}"
    subscription = pubsub.subscribe(channel)
    assert subscription.pubsub is not None
    try:
        threading.Timer(0.2, pubsub.publish, (channel, b"1")).start()
        assert subscription.wait(5) is True
    finally:
        subscription.close()

    async def scenario():
        woken = asyncio.Event()
        calls = []

        def on_message():
            calls.append(1)
            if len(calls) == 2:  # the first call is the subscription itself
                woken.set()

        task = asyncio.create_task(pubsub.listen(channel, on_message))
        while not calls:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(pubsub.publish, channel, "42")
        await asyncio.wait_for(woken.wait(), timeout=5)
        task.cancel()
        return len(calls)

    assert asyncio.run(scenario()) == 2


@pytest.mark.redis
def test_channels_are_scoped_by_the_urls_database(settings):
    """Redis's pub/sub ignores database numbers: a deployment on `…/14` must not wake one on `…/15`."""
    from urllib.parse import urlsplit, urlunsplit

    def on_database(number: int) -> str:
        return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{number}"))

    channel = f"kizuna:test:{uuid.uuid4().hex}"
    settings.REDIS_URL = on_database(14)
    subscription = pubsub.subscribe(channel)
    try:
        settings.REDIS_URL = on_database(15)
        pubsub.publish(channel, b"1")
        assert subscription.wait(0.5) is False  # another database's deployment
        settings.REDIS_URL = on_database(14)
        pubsub.publish(channel, b"1")
        assert subscription.wait(5) is True
    finally:
        subscription.close()
