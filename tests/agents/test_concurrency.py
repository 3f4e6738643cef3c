"""Racing registrations on PostgreSQL: exactly one wins a name, the other gets 422 (never a 500)."""

import threading

import pytest
from django.db import connection

from agents.models import Agent
from kizuna.api.errors import ValidationFailed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except ValidationFailed as exc:
            results.append(("422", exc.details))
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            results.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_registrations_of_one_name(make_user):
    from agents import services
    from kizuna.accounts.actors import actor_for_user

    operators = [make_user(f"racer{i}") for i in range(6)]

    def register(i):
        agent, _ = services.agent_register(
            operator=operators[i], actor=actor_for_user(operators[i]), name="same-name",
            model_family="m", model_version="1",
        )
        return agent.pk

    results = _race(6, register)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["422"] * 5 + ["ok"], results
    assert all(details == {"name": ["already exists"]} for kind, details in results if kind == "422")
    assert Agent.objects.filter(name="same-name").count() == 1
