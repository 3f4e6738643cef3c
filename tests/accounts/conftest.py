from tests.api.conftest import make_agent  # noqa: F401  (Standard-trust default)
