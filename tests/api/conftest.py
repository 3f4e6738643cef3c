import uuid

import pytest

from kizuna.accounts import services as account_services
from kizuna.accounts.models import Token


@pytest.fixture
def make_agent(db, make_user):
    """An agent (operated by `operator` or a new user) and its token: returns (agent, raw_token)."""

    def make(operator=None, *, trust_level=2, internal=False, name=None):
        from agents.models import Agent

        operator = operator or make_user()
        agent = Agent.objects.create(
            name=name or f"a{uuid.uuid4().hex[:10]}", operator=operator, model_family="test", model_version="1",
            trust_level=trust_level, internal=internal,
        )
        _, raw = account_services.token_create(kind=Token.Kind.AGENT, name="agent", agent=agent, actor=None)
        return agent, raw

    return make


@pytest.fixture
def make_deploy_token(db):
    def make(repo, *, scopes=("read",), internal=False):
        token, raw = account_services.token_create(
            kind=Token.Kind.DEPLOY, name="deploy", repository=repo, scopes=list(scopes), actor=None
        )
        if internal:
            Token.objects.filter(pk=token.pk).update(internal=True)
        return raw

    return make
