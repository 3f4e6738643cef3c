"""Atomic counters in a cache's store, for the rate limiter: one round trip per request on Redis.

Django's cache API counts with `add` + `incr`, which on Redis is three round trips (SET NX, EXISTS,
INCRBY) and a new redis-py client object for each call. On a RedisCache the counter is instead one
Lua script (INCR, and on the window's first request its expiry: atomic, so exact under concurrency
and across processes), run through one redis-py client and connection pool per process and store
location. Keys are the cache's own (`make_key`), so either path reads the other's counts. Any other
cache (LocMemCache in the tests without Redis) keeps `add` + `incr`.
"""

import re
import threading

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

# Counts a request: the new count; a fresh counter gets its expiry in the same atomic step.
HIT = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return used
"""
# Gives a request back, unless the window has already expired (DECR would recreate it, without expiry).
UNDO = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return false
"""


class CacheCounters:
    """Any Django cache: `add` + `incr` (atomic on every backend that Django ships)."""

    def __init__(self, cache):
        self.cache = cache

    def hit(self, key: str, timeout: int) -> int:
        self.cache.add(key, 0, timeout=timeout)
        return self.cache.incr(key)

    def peek(self, key: str) -> int:
        return int(self.cache.get(key) or 0)

    def undo(self, key: str) -> None:
        try:
            self.cache.decr(key)
        except ValueError:
            pass  # the window expired in between: nothing to give back


class RedisCounters:
    """A RedisCache's store, through a client built once: each call is one round trip."""

    def __init__(self, cache, url: str):
        import redis  # only with a RedisCache configured, which needs it too

        self.cache = cache
        self.client = redis.Redis.from_url(url)
        self._hit = self.client.register_script(HIT)
        self._undo = self.client.register_script(UNDO)

    def hit(self, key: str, timeout: int) -> int:
        return int(self._hit(keys=[self.cache.make_key(key)], args=[timeout]))

    def peek(self, key: str) -> int:
        return int(self.client.get(self.cache.make_key(key)) or 0)

    def undo(self, key: str) -> None:
        self._undo(keys=[self.cache.make_key(key)])


_by_location: dict[tuple, RedisCounters] = {}
_lock = threading.Lock()


def for_cache(alias: str):
    """The counters of cache `alias`. For Redis, one client per process and location (redis-py's pool
    is thread-safe and reconnects after a fork), so gunicorn workers never share a socket."""
    cache = caches[alias]
    if not isinstance(cache, RedisCache):
        return CacheCounters(cache)
    config = settings.CACHES[alias]
    location = config["LOCATION"]
    # Django's RedisCache writes to the first of several servers; so do the counters.
    url = (location if isinstance(location, str) else location[0])
    url = re.split("[;,]", url)[0]
    key = (alias, url, config.get("KEY_PREFIX", ""), config.get("VERSION", 1))
    counters = _by_location.get(key)
    if counters is None:
        with _lock:
            counters = _by_location.get(key) or _by_location.setdefault(key, RedisCounters(cache, url))
    return counters
