"""Issue fixtures: agents with a given operator and trust level, issues made through the services."""

import uuid

import pytest

from kizuna.accounts.models import Token
from kizuna.accounts.services import actor_for_agent, actor_for_user


@pytest.fixture
def make_agent(db, make_token):
    """`make_agent(operator, trust_level)` → (agent, token)."""
    from agents.models import Agent

    def make(operator, trust_level=1, name=None):
        agent = Agent.objects.create(
            name=name or f"bot-{uuid.uuid4().hex[:8]}", operator=operator, model_family="test", model_version="1",
            trust_level=trust_level,
        )
        actor_for_agent(agent)
        return agent, make_token(kind=Token.Kind.AGENT, agent=agent)

    return make


@pytest.fixture
def make_issue(db):
    from issues import services

    def make(repo, author_user=None, *, author_actor=None, title="An issue", **kwargs):
        actor = author_actor or actor_for_user(author_user)
        return services.issue_create(repo=repo, actor=actor, title=title, **kwargs)

    return make


@pytest.fixture
def make_pull_row(db):
    """A pull request's Issue row (the pulls app adds its own row; numbers are shared)."""
    from django.db import transaction

    from issues.models import Issue
    from repos.services import next_number

    def make(repo, author_user, title="A PR"):
        with transaction.atomic():
            return Issue.objects.create(repository=repo, number=next_number(repo), title=title, is_pull_request=True,
                                        author=actor_for_user(author_user))

    return make


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made with a password; PBKDF2 would cost a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
