"""The issue list's total: from the repository's counters when only the state filters (issues.reads.
issue_list_total), else a bounded count that skips counting when the planner expects far more than the
count limit (kizuna.api.pagination)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import services
from kizuna.accounts.actors import actor_for_user
from kizuna.api import pagination
from repos.models import Repository

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub/issues"
FILTERED = {"creator": "w-writer"}  # any filter beyond the state: the rows are counted


@pytest.fixture
def ten(world, make_issue, settings):
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 4
    for n in range(10):
        make_issue(world.public, world.writer, title=f"i{n}")


def test_count_is_skipped_when_the_estimate_is_large(ten, api, monkeypatch, settings):
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 2  # 10 issues > 4 × 2: the repository may be big, ask the planner
    monkeypatch.setattr(pagination, "estimated_rows", lambda using, compiled: 1e6)
    response = api().get(BASE, {"per_page": 2, **FILTERED})
    assert len(response.json()) == 2
    assert "X-Total-Count" not in response and 'rel="last"' not in response["Link"] and 'rel="next"' in response["Link"]


def test_count_is_exact_and_bounded_when_the_estimate_is_small(ten, api, monkeypatch, settings):
    monkeypatch.setattr(pagination, "estimated_rows", lambda using, compiled: 3.0)
    assert "X-Total-Count" not in api().get(BASE, {"per_page": 2, **FILTERED})  # 10 > limit 4
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 100
    response = api().get(BASE, {"per_page": 2, **FILTERED})
    assert response["X-Total-Count"] == "10" and 'rel="last"' in response["Link"]


def test_a_small_repository_skips_the_estimate(ten, api, monkeypatch, settings):
    """10 issues ≤ 4 × limit 4: the count is cheap whatever the planner says, so it is not asked."""
    def fail(using, compiled):
        raise AssertionError("planner asked")

    monkeypatch.setattr(pagination, "estimated_rows", fail)
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 100
    assert api().get(BASE, {"per_page": 2, **FILTERED})["X-Total-Count"] == "10"


@pytest.mark.parametrize("params", [{}, {"state": "open"}, {"state": "closed"}, {"state": "all"},
                                    {"state": "all", "sort": "updated", "direction": "asc"}])
def test_state_alone_reads_the_total_from_the_counters(ten, world, api, make_pull_row, monkeypatch, settings, params):
    """Exact whatever the size (past the count limit too) and without a count statement or the planner:
    a count would grow with the repository."""
    issues = list(world.public.issues.order_by("number"))
    writer = actor_for_user(world.writer)
    for issue in issues[:3]:
        services.issue_close(issue=issue, actor=writer)
    services.issue_reopen(issue=issues[0], actor=writer)
    make_pull_row(world.public, world.writer)  # pull requests are not issues
    monkeypatch.setattr(pagination, "estimated_rows", lambda using, compiled: pytest.fail("planner asked"))
    expected = {"open": 8, "closed": 2, "all": 10}[params.get("state", "open")]
    with CaptureQueriesContext(connection) as ctx:
        response = api().get(BASE, {"per_page": 1, **params})
    assert response.status_code == 200
    assert response["X-Total-Count"] == str(expected)  # 10 > the limit 4: counted, it would be omitted
    (last,) = [link for link in response["Link"].split(", ") if link.endswith('rel="last"')]
    assert re.search(rf"[?&]page={expected}[&>]", last)
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]


def test_opening_an_issue_counts_it_with_its_number(world, make_issue, make_pull_row, django_assert_num_queries):
    """The number, `issues_count` and `open_issues_count` move in one write of the repository's row; a
    pull request's row counts in none of the issue counters."""
    from repos.services import next_issue_number

    make_pull_row(world.public, world.writer)
    make_issue(world.public, world.writer)
    repo = Repository.objects.get(pk=world.public.pk)
    assert (repo.last_number, repo.issues_count, repo.open_issues_count) == (2, 1, 1)
    with django_assert_num_queries(1):
        assert next_issue_number(repo) == 3
    repo.refresh_from_db()
    assert (repo.last_number, repo.issues_count, repo.open_issues_count) == (3, 2, 2)


def test_the_migration_counts_existing_issues(world, make_issue, make_pull_row):
    import importlib

    from django.apps import apps

    make_issue(world.public, world.writer)
    make_issue(world.public, world.writer)
    make_pull_row(world.public, world.writer)
    Repository.objects.update(issues_count=0)
    importlib.import_module("repos.migrations.0002_repository_issues_count").count_issues(apps, None)
    counts = dict(Repository.objects.values_list("pk", "issues_count"))
    assert counts[world.public.pk] == 2 and set(counts.values()) <= {0, 2}


@pytest.mark.postgres
def test_estimate_runs_on_postgres(ten):
    from issues.models import Issue

    queryset = Issue.objects.filter(state="open")
    assert pagination.estimated_rows(queryset.db, queryset.query.sql_with_params()) >= 1
