"""docs/api.md §5: three tiers, headers on every answer, 429 + Retry-After, exact counts, settings-driven."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from kizuna.api import throttling

pytestmark = pytest.mark.django_db
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.KIZUNA_RATE_LIMIT_DEFAULT = 3
    settings.KIZUNA_RATE_LIMIT_AUTHENTICATED = 4
    settings.KIZUNA_RATE_LIMIT_INTERNAL = 5
    return settings


def rl(response) -> dict:
    for name in HEADERS:
        assert name in response, (name, response.status_code)
    assert response["X-RateLimit-Resource"] == "core"
    reset = int(response["X-RateLimit-Reset"])
    assert time.time() - 5 < reset <= time.time() + 3600 + 5
    return {"limit": int(response["X-RateLimit-Limit"]), "remaining": int(response["X-RateLimit-Remaining"]),
            "used": int(response["X-RateLimit-Used"])}


def exhaust(call, limit: int):
    """`limit` calls succeed with falling Remaining (on 200 and 4xx alike), the next is a 429."""
    for i in range(limit):
        response = call(i)
        assert response.status_code != 429
        assert rl(response) == {"limit": limit, "remaining": limit - i - 1, "used": i + 1}
    response = call(limit)
    assert response.status_code == 429
    assert rl(response) == {"limit": limit, "remaining": 0, "used": limit}
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    return response


def alternate(get_ok, get_missing):
    return lambda i: get_ok() if i % 2 == 0 else get_missing()


def test_anonymous_tier_per_ip(world, api):
    client = api()
    exhaust(alternate(lambda: client.get("/repos/w-org/pub"), lambda: client.get("/repos/w-org/nope")), 3)
    other_ip = client.get("/repos/w-org/pub", REMOTE_ADDR="10.9.9.9")
    assert other_ip.status_code == 200 and rl(other_ip)["used"] == 1


def test_authenticated_tier_is_per_user_across_tokens_and_sessions(world, api, make_token):
    first, second = api(world.tokens["writer"]), api(make_token(world.writer))
    session = Client()
    session.force_login(world.writer)
    clients = [first.client, second.client, session]
    calls = lambda i: clients[i % 3].get("/api/v1/repos/w-org/pub" if i % 2 else "/api/v1/repos/w-org/none")  # noqa: E731
    exhaust(calls, 4)
    # another user has their own bucket
    assert rl(api(world.tokens["reader"]).get("/user"))["used"] == 1


def test_internal_tier_for_staff_users(world, api, make_token):
    world.reader.is_staff = True
    world.reader.save()
    client = api(world.tokens["reader"])
    exhaust(alternate(lambda: client.get("/user"), lambda: client.get("/repos/w-org/zzz")), 5)


def test_agent_tiers(world, api, make_agent):
    _, raw = make_agent(world.writer)
    client = api(raw)
    exhaust(alternate(lambda: client.get("/user"), lambda: client.get("/repos/w-org/zzz")), 4)
    # the agent's bucket is its own, not its operator's
    assert rl(api(world.tokens["writer"]).get("/user"))["used"] == 1
    _, internal_raw = make_agent(world.writer, internal=True)
    internal = api(internal_raw)
    exhaust(alternate(lambda: internal.get("/user"), lambda: internal.get("/repos/w-org/zzz")), 5)


def test_deploy_token_tiers(world, api, make_deploy_token):
    client = api(make_deploy_token(world.private))
    exhaust(alternate(lambda: client.get("/repos/w-org/priv"), lambda: client.get("/repos/w-org/zzz")), 4)
    internal = api(make_deploy_token(world.private, internal=True))
    exhaust(alternate(lambda: internal.get("/user"), lambda: internal.get("/repos/w-org/zzz")), 5)


def test_invalid_token_counts_against_the_ip(world, api):
    bad = api("kzp_" + "a" * 36)
    response = bad.get("/repos/w-org/pub")
    assert response.status_code == 401
    assert rl(response) == {"limit": 3, "remaining": 2, "used": 1}
    anonymous = api().get("/repos/w-org/pub")
    assert rl(anonymous)["used"] == 2  # the same per-IP bucket
    revoked = api(world.tokens["writer"])
    from kizuna.accounts.models import Token
    from django.utils import timezone

    Token.objects.filter(user=world.writer).update(revoked_at=timezone.now())
    response = revoked.get("/repos/w-org/pub")
    assert response.status_code == 401 and rl(response)["used"] == 3


def test_not_modified_does_not_count(world, api):
    client = api()
    first = client.get("/repos/w-org/pub")
    assert rl(first)["used"] == 1
    for _ in range(5):
        again = client.get("/repos/w-org/pub", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert rl(again)["used"] == 1
    assert rl(client.get("/repos/w-org/pub"))["used"] == 2


def test_limits_are_settings(world, api, settings):
    settings.KIZUNA_RATE_LIMIT_DEFAULT = 1000
    assert rl(api().get("/repos/w-org/pub"))["limit"] == 1000


def test_store_down_fails_open_with_headers(world, api, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    response = api().get("/repos/w-org/pub")
    assert response.status_code == 200
    assert rl(response) == {"limit": 3, "remaining": 3, "used": 0}


def concurrent_hits(n: int, limit: int) -> list[bool]:
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait()
        return throttling.hit("user:concurrency", limit).allowed

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_exact_under_concurrency_in_process():
    results = concurrent_hits(40, 13)
    assert results.count(True) == 13


@pytest.mark.redis
def test_exact_under_concurrency_on_redis(settings):
    from django.core.cache import caches

    assert "redis" in type(caches["ratelimit"]).__module__
    results = concurrent_hits(60, 17)
    assert results.count(True) == 17
    assert throttling.hit("user:concurrency", 17).used == 61  # the shared counter saw every request


@pytest.mark.redis
def test_exact_under_concurrency_on_redis_through_the_middleware(settings):
    """Whole requests (an unknown path needs no database) from many threads share one IP bucket."""
    settings.KIZUNA_RATE_LIMIT_DEFAULT = 11
    n = 40
    barrier = threading.Barrier(n)

    def one(_):
        client = Client()
        barrier.wait()
        return client.get("/api/v1/no-such-thing").status_code

    with ThreadPoolExecutor(n) as pool:
        statuses = list(pool.map(one, range(n)))
    assert statuses.count(404) == 11
    assert statuses.count(429) == n - 11


def test_forwarded_for_counts_only_from_trusted_proxies(world, api, settings):
    client = api()
    spoofed = client.get("/repos/w-org/pub", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert rl(spoofed)["used"] == 1
    assert rl(client.get("/repos/w-org/pub", HTTP_X_FORWARDED_FOR="5.6.7.8"))["used"] == 2  # same peer bucket
    settings.KIZUNA_TRUSTED_PROXIES = ("127.0.0.1",)
    a = client.get("/repos/w-org/pub", HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.0.1")
    b = client.get("/repos/w-org/pub", HTTP_X_FORWARDED_FOR="8.8.8.8, 10.0.0.2")
    assert rl(a)["used"] == 1 and rl(b)["used"] == 1  # each client its own bucket
    c = client.get("/repos/w-org/pub", HTTP_X_FORWARDED_FOR="spoof, 10.0.0.1")
    assert rl(c)["used"] == 2  # the right-most untrusted hop is what counts


@pytest.mark.redis
def test_exact_across_processes_on_redis(settings):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tests.api.procs import hits_in_a_process

    namespace = settings.KIZUNA_RATE_LIMIT_NAMESPACE
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        allowed = sum(pool.map(hits_in_a_process, [(namespace, 23, 20)] * 3))
    assert allowed == 23
    assert throttling.hit("user:processes", 23).used == 61


def redis_sends(monkeypatch) -> list:
    """Every command batch written to any Redis connection (one per round trip)."""
    import redis.connection

    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.mark.redis
def test_one_redis_round_trip_per_request(world, api, monkeypatch):
    """The limiter counts a request in one round trip (a Lua script: INCR and the window's expiry),
    and nothing else in a token-authenticated request talks to Redis."""
    client = api(world.tokens["reader"])
    assert client.get("/repos/w-org/pub").status_code == 200  # loads the script into Redis once
    sent = redis_sends(monkeypatch)
    for i in range(2):
        response = client.get("/repos/w-org/pub")
        assert rl(response)["used"] == i + 2
    assert len(sent) == 2 and all(b"EVALSHA" in command for command in sent)
    sent.clear()
    assert client.get("/repos/w-org/pub", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert len(sent) == 2  # counted, then given back: a 304 does not count


@pytest.mark.redis
def test_redis_counters_built_once_per_process(settings):
    from kizuna.api import counters

    first = counters.for_cache("ratelimit")
    assert isinstance(first, counters.RedisCounters)
    assert counters.for_cache("ratelimit") is first
    assert throttling.hit("user:once", 5).used == 1 and throttling.peek("user:once", 5).used == 1


@pytest.mark.redis
def test_redis_counter_expires_with_its_window(settings):
    import redis as redis_py
    from django.core.cache import caches

    state = throttling.hit("user:expiry", 5)
    raw = redis_py.Redis.from_url(settings.CACHES["ratelimit"]["LOCATION"])
    ttl = raw.ttl(caches["ratelimit"].make_key(state.key))
    assert throttling.WINDOW_SECONDS < ttl <= throttling.WINDOW_SECONDS + 60
    throttling.undo(state)
    raw.delete(caches["ratelimit"].make_key(state.key))
    throttling.undo(state)  # the window is gone: nothing is given back, no counter without expiry is made
    assert raw.exists(caches["ratelimit"].make_key(state.key)) == 0
