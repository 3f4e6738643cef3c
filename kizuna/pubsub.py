"""Wake-ups over Redis pub/sub (`KIZUNA_REDIS_URL`): the one place that speaks it.

Two users: the SSE hubs (kizuna/events/streams/hub.py: a committed event wakes every process's hub)
and long-polling job claims (pipelines/services/jobs.py: a queued job wakes waiting claimers). A message
only says "look now"; both read what changed from the database and poll as well, so a lost message
costs a poll interval and Redis being down (or not configured) degrades to polling, never to an error.

Channels are scoped by the database number of `KIZUNA_REDIS_URL` (`kizuna:events` on `…/3` is sent as
`kizuna:events@3`): Redis's pub/sub ignores database numbers, so two deployments (or two test workers)
that share a Redis server on different databases would otherwise wake each other's hubs and claimers.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

logger = logging.getLogger("kizuna.pubsub")


@functools.cache
def _client(url: str):
    """One client (and connection pool) per URL and process: a publish runs after every commit."""
    import redis

    # Short timeouts: a publish runs in the request's thread, and a lost wake-up only costs a poll.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@functools.cache
def _scoped(url: str, channel: str) -> str:
    """`channel` as sent on the Redis at `url`: suffixed with the URL's database number (see above)."""
    from redis.connection import parse_url

    return f"{channel}@{parse_url(url).get('db', 0)}"


def publish(channel: str, message: str | bytes) -> None:
    """Send `message` on `channel` now; without Redis nothing, and a failure is only logged."""
    url = settings.REDIS_URL
    if not url:
        return
    try:
        _client(url).publish(_scoped(url, channel), message)
    except Exception:  # noqa: BLE001 - subscribers still poll
        logger.warning("could not publish %r on Redis channel %s", message, channel, exc_info=True)


def publish_on_commit(channel: str, message: str | bytes) -> None:
    """Publish once the current transaction commits (at once outside one; never if it rolls back)."""
    transaction.on_commit(lambda: publish(channel, message))


class Subscription:
    """Wake-ups on one channel for a thread that waits; without a connection a wait is a plain sleep."""

    def __init__(self, pubsub=None):
        self.pubsub = pubsub  # redis-py's PubSub, or None: polling

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when a message arrived first."""
        if self.pubsub is None:
            time.sleep(seconds)
            return False
        end = time.monotonic() + seconds
        try:
            while (remaining := end - time.monotonic()) > 0:
                # None also comes back at once for a subscribe confirmation: wait out the rest then.
                if self.pubsub.get_message(timeout=remaining) is not None:
                    return True
            return False
        except Exception:  # noqa: BLE001 - a broken subscription degrades to polling
            time.sleep(seconds)
            return False

    def close(self) -> None:
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not hide the caller's answer
                pass


def subscribe(channel: str) -> Subscription:
    """A subscription to `channel`; a polling one without Redis or when Redis cannot be reached."""
    url = settings.REDIS_URL
    if not url:
        return Subscription()
    try:
        pubsub = _client(url).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(_scoped(url, channel))
        return Subscription(pubsub)
    except Exception as exc:  # noqa: BLE001 - fall back to polling
        logger.warning("wake-ups on %s unavailable: %s", channel, exc)
        return Subscription()


async def listen(channel: str, on_message: Callable[[], None]) -> None:
    """Call `on_message` for every message on `channel`, and on each (re)subscription (whatever was
    published while nobody listened). Runs until cancelled; while Redis is down it retries, waiting
    1 s, doubling up to 30 s. An event loop's clients are its own, so each connection is made here."""
    import redis.asyncio as aioredis

    delay = 1.0
    while True:
        client = None
        try:
            client = aioredis.from_url(settings.REDIS_URL)
            pubsub = client.pubsub()
            await pubsub.subscribe(_scoped(settings.REDIS_URL, channel))
            delay = 1.0
            on_message()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    on_message()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the caller polls until Redis is back
            logger.warning("lost Redis on %s; polling until it is back", channel, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
        finally:
            if client is not None:
                try:
                    await client.aclose()
                except Exception:  # noqa: BLE001
                    pass
