"""The API's own endpoints: `GET /api/v1` (links), `GET /rate_limit` (uncounted), `GET /health`
(database, Redis, git storage; 503 when one is down; no credentials, not rate limited)."""

import logging

import pytest
from django import db

from kizuna.api import health

pytestmark = pytest.mark.django_db
RL = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource")


# --- the root -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/"])
def test_root_links_to_the_resources(api, path):
    response = api().get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["current_user_url"] == "http://testserver/api/v1/user"
    assert body["current_user_repositories_url"] == "http://testserver/api/v1/user/repos"
    assert body["repository_url"] == "http://testserver/api/v1/repos/{org}/{repo}"
    assert body["health_url"] == "http://testserver/api/v1/health"
    assert all(url.startswith("http://testserver/api/v1/") for url in body.values())
    assert all(name in response for name in RL)


def test_root_links_resolve(api, world):
    """Every link, its template filled with real names, answers (no link to a path that 404s)."""
    from django.urls import resolve

    filled = {"{org}": "w-org", "{repo}": "pub", "{login}": "w-admin"}
    for url in api().get("/api/v1").json().values():
        path = url.removeprefix("http://testserver")
        for name, value in filled.items():
            path = path.replace(name, value)
        resolve(path)  # raises Resolver404


def test_root_honours_public_url(api, settings):
    settings.KIZUNA_PUBLIC_URL = "https://forge.example.com"
    assert api().get("/api/v1").json()["user_url"] == "https://forge.example.com/api/v1/users/{login}"


# --- /rate_limit -----------------------------------------------------------------------------------
@pytest.fixture
def small_limits(settings):
    settings.KIZUNA_RATE_LIMIT_DEFAULT = 3
    settings.KIZUNA_RATE_LIMIT_AUTHENTICATED = 4
    return settings


def test_rate_limit_does_not_count(api, world, small_limits):
    client = api(world.tokens["reader"])
    client.get("/repos/w-org/pub")
    for _ in range(10):  # far more than the limit of 4: none of them counts
        response = client.get("/rate_limit")
        assert response.status_code == 200
        core = response.json()["resources"]["core"]
        assert core == response.json()["rate"]
        assert (core["limit"], core["used"], core["remaining"], core["resource"]) == (4, 1, 3, "core")
        assert response["X-RateLimit-Used"] == "1" and response["X-RateLimit-Remaining"] == "3"
        assert int(response["X-RateLimit-Reset"]) == core["reset"]
    assert client.get("/repos/w-org/pub")["X-RateLimit-Used"] == "2"


def test_rate_limit_answers_when_over_the_limit(api, world, small_limits):
    client = api()
    for _ in range(3):
        client.get("/repos/w-org/pub")
    assert client.get("/repos/w-org/pub").status_code == 429
    response = client.get("/rate_limit")
    assert response.status_code == 200
    assert response.json()["rate"] == {**response.json()["rate"], "limit": 3, "used": 3, "remaining": 0}


def test_rate_limit_304_gives_nothing_back(api, world, small_limits):
    client = api(world.tokens["reader"])
    client.get("/repos/w-org/pub")
    first = client.get("/rate_limit")
    assert first["Cache-Control"] == "no-cache"
    again = client.get("/rate_limit", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get("/rate_limit").json()["rate"]["used"] == 1  # not 0: a 304 of an uncounted answer


def test_rate_limit_with_a_bad_token_is_401_and_counts(api, world, small_limits):
    client = api("kzp_" + "A" * 36)
    assert client.get("/rate_limit").status_code == 401
    assert api().get("/rate_limit").json()["rate"]["used"] == 1  # the same IP's Default tier


def test_rate_limit_other_methods_count(api, world, small_limits):
    client = api(world.tokens["reader"])
    assert client.post("/rate_limit").status_code == 405
    assert client.get("/rate_limit").json()["rate"]["used"] == 1


def test_rate_limit_tiers(api, world, make_agent, small_limits):
    settings = small_limits
    settings.KIZUNA_RATE_LIMIT_INTERNAL = 9
    assert api().get("/rate_limit").json()["rate"]["limit"] == 3
    assert api(world.tokens["reader"]).get("/rate_limit").json()["rate"]["limit"] == 4
    _, token = make_agent(internal=True)
    assert api(token).get("/rate_limit").json()["rate"]["limit"] == 9


def test_rate_limit_store_down(api, world, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://:pw@127.0.0.1:1/0"},
    }
    with caplog.at_level(logging.WARNING, logger="kizuna.ratelimit"):
        response = api().get("/rate_limit")
    assert response.status_code == 200 and response.json()["rate"]["used"] == 0
    assert "Redis unreachable at redis://127.0.0.1:1/0" in caplog.text and ":pw@" not in caplog.text


# --- /health ---------------------------------------------------------------------------------------
@pytest.fixture
def git_root(settings):
    settings.KIZUNA_GIT_ROOT.mkdir(parents=True, exist_ok=True)
    return settings.KIZUNA_GIT_ROOT


def test_health_ok(api, git_root, settings):
    settings.REDIS_URL = ""
    response = api().get("/health")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok",
                                "checks": {"database": "ok", "redis": "not configured", "git_storage": "ok"}}
    assert response["Cache-Control"] == "no-cache"
    assert list(git_root.iterdir()) == []  # the probe file is gone


def test_health_is_not_counted_nor_limited(api, git_root, small_limits):
    client = api()
    response = client.get("/health")
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Used"]) == ("3", "0")  # the address's tier
    for _ in range(3):
        client.get("/api/v1/nope")
    assert client.get("/api/v1/nope").status_code == 429
    for _ in range(5):
        response = client.get("/health")
        assert response.status_code == 200
        assert (response["X-RateLimit-Used"], response["X-RateLimit-Remaining"]) == ("3", "0")


def test_health_reads_no_credentials(api, world, git_root, small_limits):
    assert api("kzp_not-a-token").get("/health").status_code == 200
    response = api(world.tokens["reader"]).get("/health")  # a token is not even looked up
    assert response.status_code == 200 and response["X-RateLimit-Limit"] == "3"


def assert_down(response, check: str, status: str):
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and error["request_id"] == response["X-Request-Id"]
    assert response["Retry-After"] == "1" and "X-RateLimit-Limit" in response
    assert response["Cache-Control"] == "no-cache"
    assert error["details"]["checks"][check] == status
    assert check in error["message"]
    assert all(value in ("ok", "not configured") for name, value in error["details"]["checks"].items() if name != check)


def test_health_database_down(api, git_root, monkeypatch):
    def down(*args, **kwargs):
        raise db.OperationalError("connection refused")

    monkeypatch.setattr(db.connection, "cursor", down)
    assert_down(api().get("/health"), "database", "unreachable")


def test_health_redis_down(api, git_root, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert_down(api().get("/health"), "redis", "unreachable")


@pytest.mark.redis
def test_health_redis_up(api, git_root):
    assert api().get("/health").json()["checks"]["redis"] == "ok"


def test_health_git_storage_missing(api, settings, tmp_path):
    settings.KIZUNA_GIT_ROOT = tmp_path / "not-mounted"
    assert_down(api().get("/health"), "git_storage", "missing")


def test_health_git_storage_read_only(api, git_root, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(health.tempfile, "mkstemp", refuse)
    assert_down(api().get("/health"), "git_storage", "not writable")
