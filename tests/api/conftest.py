import pytest


@pytest.fixture
def make_agent(make_agent):
    """Foundation tests' agents default to Standard trust (2)."""

    def make(operator=None, *, trust_level=2, **fields):
        return make_agent(operator, trust_level, **fields)

    return make
