"""Faults: the database going away answers a clean 503 and recovers without a restart; the
rate-limit store going away fails open (documented in docs/reliability.md); a change interrupted
half-way leaves nothing behind."""

import socket

import pytest
from django import db
from django.db import close_old_connections, connection

from issues.models import Issue
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db


def assert_503(response):
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE" and body["error"]["request_id"]
    assert response["Retry-After"] == "1"
    assert "X-Request-Id" in response


def test_database_error_in_a_view_is_503(api, world, monkeypatch):
    from kizuna.api import views

    def down(*args, **kwargs):
        raise db.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "get_repository", down)
    assert_503(api(world.tokens["reader"]).get("/repos/w-org/pub"))
    monkeypatch.undo()
    assert api(world.tokens["reader"]).get("/repos/w-org/pub").status_code == 200


def test_database_error_in_middleware_is_503(api, world, monkeypatch):
    """Token lookup happens in the rate limiter, before any view. The rate limiter answers the 503
    itself: no exception reaches Django's 500 handling (the test client would re-raise it)."""
    from kizuna.api import authentication

    def down(raw):
        raise db.InterfaceError("connection already closed")

    monkeypatch.setattr(authentication, "lookup_token", down)
    assert_503(api(world.tokens["reader"]).get("/repos/w-org/pub/issues"))
    monkeypatch.undo()
    assert api(world.tokens["reader"]).get("/repos/w-org/pub/issues").status_code == 200


def test_database_error_in_another_middleware_is_503(api, world, monkeypatch):
    """Safety net: a middleware that is not ours (here sessions) loses the database. Django makes that
    a 500 before any outer middleware sees it; the answer is still the 503."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def down(self, request):
        raise db.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionMiddleware, "process_request", down)
    client = api(world.tokens["reader"])
    client.client.raise_request_exception = False  # Django signalled the exception; answer as a server does
    assert_503(client.get("/repos/w-org/pub"))


@pytest.fixture
def persistent_connection(transactional_db, monkeypatch):
    """The server's connection kept across requests, as deployed (the gunicorn drill runs
    KIZUNA_DB_CONN_MAX_AGE=60): a backend killed between two requests is met by the next one, and only
    Django's own check (an error occurred → unusable → closed) can discard it, not its age.
    Torn down before the database fixture: the next test never gets a dead connection."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # the next connection opens under the setting above
    yield
    connection.close()


def served(send):
    """One request with the lifecycle a server gives it. Django's test client disconnects
    close_old_connections from request_started and request_finished for the duration of a request,
    so run that receiver at those two points, and nothing else."""
    close_old_connections()  # request_started
    try:
        return send()
    finally:
        close_old_connections()  # request_finished


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backend_terminated_then_recovers(api, world, persistent_connection):
    """pg_terminate_backend on the server's own connection (what a PostgreSQL restart does to it):
    the next request is a 503, the request after it a 200, with no restart and no help from the test."""
    import psycopg

    client = api(world.tokens["reader"])
    assert served(lambda: client.get("/repos/w-org/pub")).status_code == 200
    assert connection.connection is not None  # kept for the next request
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname", "password")},
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    assert_503(served(lambda: client.get("/repos/w-org/pub")))
    assert connection.connection is None  # discarded by Django at request_finished
    assert served(lambda: client.get("/repos/w-org/pub")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_down_rate_limiting_fails_open(api, world, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"},
    }
    from django.core.cache import caches

    caches._settings = None  # noqa: SLF001 - rebuild handlers from the overridden settings
    try:
        for _ in range(3):
            response = api(world.tokens["reader"]).get("/repos/w-org/pub")
            assert response.status_code == 200
            assert response["X-RateLimit-Limit"] == "5000" and response["X-RateLimit-Used"] == "0"
    finally:
        caches._settings = None  # noqa: SLF001


def test_interrupted_change_leaves_nothing(api, world, monkeypatch):
    """A process dying half-way through a change is a transaction that never commits: simulate the
    crash after the issue row and its event were written, and nothing of it remains."""
    count_issues, count_events = Issue.objects.count(), Event.objects.count()

    def crash(*args, **kwargs):
        raise SystemExit("killed")  # not an Exception: nothing upstream may swallow it

    monkeypatch.setattr("issues.services.issues.emit_event", crash)
    with pytest.raises(SystemExit):
        api(world.tokens["writer"]).post("/repos/w-org/pub/issues", {"title": "half"})
    assert Issue.objects.count() == count_issues and Event.objects.count() == count_events
