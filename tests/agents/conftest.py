import uuid

import pytest

from agents import services
from kizuna.accounts.actors import actor_for_user


@pytest.fixture
def make_agent(db, make_user):
    """`make_agent(operator=None, **fields)` → (agent, raw kza_ token), registered through the service."""

    def make(operator=None, *, name=None, trust_level=1, capabilities=(), by=None, **kwargs):
        operator = operator or make_user()
        if trust_level == 4 and by is None:  # only staff grant Autonomous
            from kizuna.accounts.models import User

            by = User.objects.filter(username="grantor").first() or make_user("grantor", is_staff=True)
        kwargs.setdefault("model_family", "claude")
        kwargs.setdefault("model_version", "4")
        return services.agent_register(
            operator=operator, actor=actor_for_user(by or operator), name=name or f"a{uuid.uuid4().hex[:10]}",
            trust_level=trust_level, capabilities=list(capabilities), by=by, **kwargs,
        )

    return make


@pytest.fixture
def staff(make_user):
    return make_user("staffer", is_staff=True)


