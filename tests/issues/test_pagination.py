"""Lists skip counting when the planner expects far more than the count limit (kizuna.api.pagination)."""

import pytest

from kizuna.api import pagination

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten(world, make_issue, settings):
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 4
    for n in range(10):
        make_issue(world.public, world.writer, title=f"i{n}")


def test_count_is_skipped_when_the_estimate_is_large(ten, api, monkeypatch, settings):
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 2  # 10 issues > 4 × 2: the repository may be big, ask the planner
    monkeypatch.setattr(pagination, "estimated_rows", lambda using, compiled: 1e6)
    response = api().get("/repos/w-org/pub/issues", {"per_page": 2})
    assert len(response.json()) == 2
    assert "X-Total-Count" not in response and 'rel="last"' not in response["Link"] and 'rel="next"' in response["Link"]


def test_count_is_exact_and_bounded_when_the_estimate_is_small(ten, api, monkeypatch, settings):
    monkeypatch.setattr(pagination, "estimated_rows", lambda using, compiled: 3.0)
    assert "X-Total-Count" not in api().get("/repos/w-org/pub/issues", {"per_page": 2})  # 10 > limit 4
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 100
    response = api().get("/repos/w-org/pub/issues", {"per_page": 2})
    assert response["X-Total-Count"] == "10" and 'rel="last"' in response["Link"]


def test_a_small_repository_skips_the_estimate(ten, api, monkeypatch, settings):
    """10 issues ≤ 4 × limit 4: the count is cheap whatever the planner says, so it is not asked."""
    def fail(using, compiled):
        raise AssertionError("planner asked")

    monkeypatch.setattr(pagination, "estimated_rows", fail)
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 100
    assert api().get("/repos/w-org/pub/issues", {"per_page": 2})["X-Total-Count"] == "10"


@pytest.mark.postgres
def test_estimate_runs_on_postgres(ten):
    from issues.models import Issue

    queryset = Issue.objects.filter(state="open")
    assert pagination.estimated_rows(queryset.db, queryset.query.sql_with_params()) >= 1
