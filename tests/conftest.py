"""Shared fixtures: users, orgs, repos, tokens of every kind, and API clients holding them.

App-specific fixtures live in tests/<app>/conftest.py.
"""

import os
import re
import secrets
import time
import uuid

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from kizuna.accounts import services as account_services
from kizuna.accounts.actors import actor_for_agent, actor_for_user
from kizuna.accounts.models import Role, Token

# Outside DEBUG the published default key refuses to start (kizuna.E001, checked when kizuna.asgi or
# kizuna.wsgi is imported): a run without KIZUNA_SECRET_KEY gets a random one.
if django_settings.SECRET_KEY == django_settings.INSECURE_SECRET_KEY:
    django_settings.SECRET_KEY = secrets.token_urlsafe(50)

ON_POSTGRES = "postgres" in os.environ.get("KIZUNA_DATABASE_URL", "")
ON_REDIS = bool(os.environ.get("KIZUNA_REDIS_URL"))


def redis_unreachable(url: str) -> str | None:
    """Why the Redis at `url` cannot be used, or None when it answers a PING (2 s at most)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def pytest_sessionstart(session):
    """With KIZUNA_REDIS_URL set, a dead Redis stops the run at once, saying so. Otherwise the rate
    limiter fails open (docs/api.md §5) and tests expecting a 429 get 200s."""
    url = os.environ.get("KIZUNA_REDIS_URL")
    if url:
        reason = redis_unreachable(url)
        if reason is not None:
            shown = re.sub(r"//[^@/]*@", "//", url)  # no password on the screen
            pytest.exit(f"Redis unreachable at KIZUNA_REDIS_URL={shown} ({reason}): start Redis or unset "
                        "KIZUNA_REDIS_URL", returncode=3)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs KIZUNA_DATABASE_URL=postgres://…"))
        if "redis" in item.keywords and not ON_REDIS:
            item.add_marker(pytest.mark.skip(reason="needs KIZUNA_REDIS_URL"))


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test: its own git root and its own rate-limit counters (shared Redis stays clean)."""
    settings.KIZUNA_GIT_ROOT = tmp_path / "git"
    settings.KIZUNA_RATE_LIMIT_NAMESPACE = f"test-{uuid.uuid4().hex}"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
    settings.KIZUNA_VERIFY_STATEMENTS = True  # every reused compiled statement is checked (kizuna.statements)
    # Rate-limit windows are fixed and aligned to the clock: a test whose requests straddle a window's end
    # sees its count start again. Near the end, wait for the next one.
    from kizuna.api.throttling import _window

    left = _window("")[2] - time.time()
    if left < 30:
        time.sleep(left + 0.5)


class Api:
    """An APIClient that speaks JSON and holds one credential."""

    def __init__(self, token: str | None = None):
        self.client = APIClient()
        self.token = token
        if token:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    @staticmethod
    def url(path: str) -> str:
        return path if path.startswith("/api/") else "/api/v1" + path

    def get(self, path, data=None, **extra):
        return self.client.get(self.url(path), data, **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(self.url(path), data if data is not None else {}, format="json", **extra)

    def patch(self, path, data=None, **extra):
        return self.client.patch(self.url(path), data if data is not None else {}, format="json", **extra)

    def put(self, path, data=None, **extra):
        return self.client.put(self.url(path), data if data is not None else {}, format="json", **extra)

    def delete(self, path, data=None, **extra):
        if data is not None:
            return self.client.delete(self.url(path), data, format="json", **extra)
        return self.client.delete(self.url(path), **extra)


@pytest.fixture
def make_user(db):
    def make(login=None, **kwargs):
        return account_services.user_create(login=login or f"u{uuid.uuid4().hex[:10]}", password="pw", **kwargs)

    return make


@pytest.fixture
def make_token(db):
    def make(user=None, *, kind=Token.Kind.PERSONAL, scopes=None, agent=None, repository=None, expires_at=None):
        actor = actor_for_user(user) if user is not None else None
        if kind == Token.Kind.PERSONAL and scopes is None:
            scopes = ["read", "write", "admin"]
        _, raw = account_services.token_create(
            kind=kind, name="test", user=user if kind == Token.Kind.PERSONAL else None, agent=agent,
            repository=repository, scopes=scopes, expires_at=expires_at, created_by=user, actor=actor,
        )
        return raw

    return make


@pytest.fixture
def api():
    """`api(token)` → a client holding that token; `api()` is anonymous."""
    return Api


@pytest.fixture
def make_org(db, make_user):
    def make(login=None, owner=None, members: dict | None = None):
        owner = owner or make_user()
        org = account_services.org_create(creator=owner, login=login or f"o{uuid.uuid4().hex[:10]}")
        for user, role in (members or {}).items():
            account_services.member_set(actor=actor_for_user(owner), org=org, user=user, role=role)
        return org

    return make


@pytest.fixture
def make_repo(db):
    def make(namespace, name=None, *, visibility="public", auto_init=False, actor_user=None, **kwargs):
        from repos import services as repo_services

        actor_user = actor_user or namespace.user or namespace.memberships.filter(role=Role.ADMIN).first().user
        return repo_services.repo_create(
            actor=actor_for_user(actor_user), namespace=namespace,
            name=name or f"r{uuid.uuid4().hex[:8]}", visibility=visibility, auto_init=auto_init, **kwargs,
        )

    return make


@pytest.fixture
def world(make_user, make_org, make_repo, make_token):
    """An org with one member per role, an outsider, a public and a private repo, and their tokens."""

    class World:
        pass

    w = World()
    w.admin = make_user("w-admin")
    w.maintainer, w.writer, w.reader, w.outsider = (make_user(n) for n in ("w-maint", "w-writer", "w-reader", "w-out"))
    w.org = make_org("w-org", owner=w.admin, members={w.maintainer: Role.MAINTAIN, w.writer: Role.WRITE, w.reader: Role.READ})
    w.public = make_repo(w.org, "pub", visibility="public")
    w.private = make_repo(w.org, "priv", visibility="private")
    w.tokens = {name: make_token(getattr(w, name)) for name in ("admin", "maintainer", "writer", "reader", "outsider")}
    return w


@pytest.fixture
def make_agent(db, make_user):
    """`make_agent(operator=None, trust_level=1, …)` → (agent, raw `kza_` token). Rows are made directly
    (tests/agents registers through the service instead); directories wrap this for their defaults."""

    def make(operator=None, trust_level=1, *, capabilities=(), status="active", internal=False, name=None):
        from agents.models import Agent

        agent = Agent.objects.create(
            name=name or f"a{uuid.uuid4().hex[:10]}", operator=operator or make_user(), model_family="test",
            model_version="1", trust_level=trust_level, capabilities=list(capabilities), status=status,
            internal=internal,
        )
        actor_for_agent(agent)
        _, raw = account_services.token_create(kind=Token.Kind.AGENT, name="agent", agent=agent, actor=None)
        return agent, raw

    return make


@pytest.fixture
def make_deploy_token(db):
    """`make_deploy_token(repo, scopes=("read",), internal=False)` → the raw `kzd_` token."""

    def make(repo, *, scopes=("read",), internal=False):
        token, raw = account_services.token_create(
            kind=Token.Kind.DEPLOY, name="deploy", repository=repo, scopes=list(scopes), actor=None
        )
        if internal:
            Token.objects.filter(pk=token.pk).update(internal=True)
        return raw

    return make
