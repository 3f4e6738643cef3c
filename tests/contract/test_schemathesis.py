"""Schemathesis against /api/v1/schema: every operation, every default check, as a personal, an agent
and a deploy token, on seeded data so that path parameters resolve (tests/contract/conftest.py).

The app runs in process (WSGI) inside the test's transaction; Django's request signals that would close
the test's connection are disconnected for the duration, as Django's own test client does. Bounded with
KIZUNA_SCHEMATHESIS_EXAMPLES (default 5) examples per operation and token kind.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from kizuna.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.contract]

MAX_EXAMPLES = int(os.environ.get("KIZUNA_SCHEMATHESIS_EXAMPLES", "5"))


def _config(*, coverage: bool) -> SchemathesisConfig:
    # A schema-valid request may still be refused for what only the server knows: an unknown label,
    # branch or ref, a duplicate title (422 VALIDATION_ERROR, API.md §2), a merged PR (405
    # NOT_MERGEABLE, §9) or a log `Range` that starts past the end of the log (416, RFC 9110 §15.5.17).
    # Every other check keeps its defaults.
    return SchemathesisConfig.from_dict({
        "phases": {"coverage": {"enabled": coverage}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "405", "409",
                                                                      "416", "422", "429"]}},
    })


# The personal token gets every phase (examples, coverage, fuzzing); agent and deploy tokens, whose
# requests differ only in what they may do, get examples and fuzzing so the module stays a few minutes.
full = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application, config=_config(coverage=True))
light = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application, config=_config(coverage=False))


@pytest.fixture
def keep_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def negative_path(case) -> bool:
    meta = case.meta
    if meta is None:
        return False
    if meta.is_negative_at(ParameterLocation.PATH):
        return True
    data = getattr(meta.phase, "data", None)
    return getattr(data, "parameter_location", None) == ParameterLocation.PATH


def typed(case, name: str, value):
    """The pinned value in the type the schema gives the parameter (a string id stays a string)."""
    for parameter in case.operation.path_parameters:
        if parameter.name == name:
            kind = (parameter.definition.get("schema") or {}).get("type")
            return int(value) if kind == "integer" else str(value)
    return value


def run(case, seed, token: str) -> None:
    """Pin path parameters to the seeded objects (unless the case is about an invalid path) and check."""
    if case.path_parameters and not negative_path(case):
        pinned = seed.params(case.path)
        case.path_parameters = {name: typed(case, name, pinned[name]) if name in pinned else value
                                for name, value in case.path_parameters.items()}
    # An operation outside the version's root (`GET /api`) declares its own `servers`; the in-process
    # transport only honours them when handed the operation's base URL.
    own_root = "servers" in case.operation.definition.raw
    extra = {"base_url": case.operation.base_url} if own_root else {}
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, **extra)


SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=True, database=None)


@full.parametrize()
@SETTINGS
def test_personal_token(case, seed, keep_connection):
    run(case, seed, seed.personal)


@light.parametrize()
@SETTINGS
def test_agent_token(case, seed, keep_connection):
    run(case, seed, seed.agent)


@light.parametrize()
@SETTINGS
def test_deploy_token(case, seed, keep_connection):
    run(case, seed, seed.deploy)
