"""Schemathesis against /api/v1/schema, every check on: as a staff user (every phase, and the stateful
phase), as a read-only token and anonymously, on seeded data so that path parameters resolve
(tests/contract/conftest.py); the job protocol (`/agent/…`) also as the agent it is made for.

The app runs in process (WSGI) inside the test's transaction; Django's request signals that would close
the test's connection are disconnected for the duration, as Django's own test client does. Bounded with
KIZUNA_SCHEMATHESIS_EXAMPLES (default 5) examples per operation and caller, and 25 stateful
scenarios: a few minutes on two cores.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from kizuna.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.contract]

MAX_EXAMPLES = int(os.environ.get("KIZUNA_SCHEMATHESIS_EXAMPLES", "5"))
SCENARIOS = 25  # stateful scenarios, each up to 8 steps

# A schema-valid request may still be refused for what only the server knows: an unknown label,
# branch, ref or event id, a duplicate title (422 VALIDATION_ERROR), a merged PR (405 NOT_MERGEABLE),
# an `If-Match` that names no current ETag (412), or a log `Range` past the end of the log (416).
# Each is stated in the schema's descriptions (docs/api.md, "The schema").
EXPECTED = ["2xx", "3xx", "401", "403", "404", "405", "409", "412", "416", "422", "429"]


def _config(*, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        # Undeclared headers, query parameters and body fields are ignored, not refused (docs/api.md,
        # "Errors"): adding one does not make a request invalid.
        "generation": {"allow-extra-parameters": False},
        "phases": {"coverage": {"enabled": coverage}},
        "checks": {"enabled": True, "positive_data_acceptance": {"expected-statuses": EXPECTED}},
    })


# Staff get every phase (examples, coverage, fuzzing); the read-only token and anonymous callers, whose
# requests differ only in what they may do, get examples and fuzzing so the module stays a few minutes.
full = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application, config=_config(coverage=True))
light = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application, config=_config(coverage=False))
anonymous = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application,
                                           config=_config(coverage=False))

# The token the running test acts with. Given through Schemathesis' auth hook rather than as a header,
# so that its checks of authentication (ignored_auth) know what to leave out.
CALLER = {"token": None}


class Bearer:
    def get(self, case, context):
        return CALLER["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


for _schema in (full, light):
    _schema.auth(refresh_interval=None, retry_on=[])(Bearer)


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


def pin(case, seed, names=None) -> None:
    """Path parameters → the seeded objects (unless the case is about an invalid path)."""
    if case.path_parameters and not negative_path(case):
        pinned = seed.params(case.path)
        case.path_parameters = {
            name: typed(case, name, pinned[name]) if name in pinned and (names is None or name in names) else value
            for name, value in case.path_parameters.items()
        }


def run(case, seed, token: str | None) -> None:
    CALLER["token"] = token
    pin(case, seed)
    # An operation outside the version's root (`GET /api`) declares its own `servers`; the in-process
    # transport only honours them when handed the operation's base URL.
    own_root = "servers" in case.operation.definition.raw
    extra = {"base_url": case.operation.base_url} if own_root else {}
    case.call_and_validate(**extra)


SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize=True, database=None)


@full.parametrize()
@SETTINGS
def test_staff(case, seed, keep_connection):
    run(case, seed, seed.personal)


@light.parametrize()
@SETTINGS
def test_read_only_token(case, seed, keep_connection):
    run(case, seed, seed.read_only)


@anonymous.parametrize()
@SETTINGS
def test_anonymous(case, seed, keep_connection):
    run(case, seed, None)


@light.include(path_regex="^/agent/").parametrize()
@SETTINGS
def test_runner_agent(case, seed, keep_connection):
    run(case, seed, seed.agent)


def test_stateful_as_staff(seed, keep_connection):
    """Sequences linked by the ids one answer gives the next (Schemathesis infers the links), in the
    seeded organisation and repository; every check on every step."""

    CALLER["token"] = seed.personal
    linked = []  # per step: whether a value of its request came from an earlier answer (a link)

    class Workflow(full.as_state_machine()):
        def setup(self):
            # Each scenario starts from the seed: Hypothesis replays scenarios to shrink a failure,
            # which only works if one scenario's writes do not change the next one's answers.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def before_call(self, case):
            pin(case, seed, names={"org", "repo"})

        def step(self, input):
            linked.append(input.transition is not None and bool(input.applied_parameters))
            return super().step(input)

    Workflow.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=8, deadline=None,
                                   suppress_health_check=list(HealthCheck), derandomize=True, database=None))
    print(f"stateful: {len(linked)} steps, {sum(linked)} through links")
    assert sum(linked) > 0  # the phase follows links (ids from one answer in the next request)
