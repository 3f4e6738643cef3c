"""IssueLabel copies its issue's state and is_pull_request (the labels+state count reads them, docs/benchmarks.md
"Issues"): every write that changes an issue's state or labels keeps the copy in step. A writer that forgets
it leaves drift these tests see; the pull request paths are in tests/pulls/test_label_state.py."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from issues import services
from issues.models import Issue, IssueLabel
from kizuna.accounts.actors import actor_for_user

from .label_state import label_link_drift, link_states

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub/issues"


def test_every_issue_path_keeps_the_copy(world, api, make_pull_row):
    writer = api(world.tokens["writer"])
    created = writer.post(BASE, {"title": "t", "labels": ["bug", "feature"]})
    assert created.status_code == 201
    issue = Issue.objects.get(repository=world.public, number=created.json()["number"])
    steps = [
        ("open", lambda: None),
        ("closed", lambda: writer.patch(f"{BASE}/{issue.number}", {"state": "closed"})),
        ("closed", lambda: writer.post(f"{BASE}/{issue.number}/labels", {"labels": ["documentation"]})),
        ("closed", lambda: writer.put(f"{BASE}/{issue.number}/labels", {"labels": ["help wanted", "bug"]})),
        ("closed", lambda: writer.delete(f"{BASE}/{issue.number}/labels/bug")),
        ("open", lambda: writer.patch(f"{BASE}/{issue.number}", {"state": "open", "labels": ["bug", "invalid"]})),
        # State and labels in one PATCH: the new links are written with the new state.
        ("closed", lambda: writer.patch(f"{BASE}/{issue.number}", {"state": "closed", "labels": ["duplicate"]})),
        ("open", lambda: services.issue_reopen(issue=issue, actor=actor_for_user(world.writer))),
        ("closed", lambda: services.issue_close(issue=issue, actor=actor_for_user(world.writer),
                                                 state_reason="not_planned")),
        ("closed", lambda: writer.patch(f"{BASE}/{issue.number}", {"state_reason": "completed", "title": "u"})),
    ]
    for state, step in steps:
        response = step()
        assert not hasattr(response, "status_code") or response.status_code < 300, response.json()
        issue.refresh_from_db()
        assert issue.state == state and issue.labels.exists()
        assert link_states(issue) == {state} and label_link_drift() == []
    pr = make_pull_row(world.public, world.writer)
    services.issue_set_labels(issue=pr, actor=actor_for_user(world.writer), names=["bug"], event_prefix="pull_request")
    assert IssueLabel.objects.get(issue=pr).is_pull_request is True and label_link_drift() == []


def test_admin_actions_and_form_keep_the_copy(world, make_user):
    staff_user = make_user("root-op", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(staff_user)
    issue = services.issue_create(repo=world.public, actor=actor_for_user(world.writer), title="t", labels=["bug"])
    staff.post("/admin/issues/issue/", {"action": "close_issues", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.state == "closed" and link_states(issue) == {"closed"}
    feature = world.public.labels.get(name="feature")
    response = staff.post(f"/admin/issues/issue/{issue.pk}/change/", {
        "title": "t", "body": "", "labels": f"{feature.pk}", "assignees": "", "milestone": "",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content[:3000]
    assert list(issue.labels.values_list("name", flat=True)) == ["feature"] and link_states(issue) == {"closed"}
    staff.post("/admin/issues/issue/", {"action": "reopen_issues", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.state == "open" and link_states(issue) == {"open"} and label_link_drift() == []


def test_the_migration_back_fills_existing_links(world, make_issue, make_pull_row):
    closed = make_issue(world.public, world.writer, labels=["bug"])
    services.issue_close(issue=closed, actor=actor_for_user(world.writer))
    make_issue(world.public, world.writer, labels=["bug", "feature"])
    pr = make_pull_row(world.public, world.writer)
    services.issue_set_labels(issue=pr, actor=actor_for_user(world.writer), names=["bug"], event_prefix="pull_request")
    IssueLabel.objects.update(issue_state="open", is_pull_request=False, issue_created_at="2000-01-01T00:00:00Z")
    assert label_link_drift() != []
    importlib.import_module("issues.migrations.0003_issue_label_state").back_fill(apps, None)
    assert label_link_drift() == []


@pytest.mark.parametrize("params, total", [
    ({"labels": "bug"}, 2), ({"labels": "bug", "state": "closed"}, 1), ({"labels": "bug", "state": "all"}, 3),
    ({"labels": "bug,feature", "sort": "updated", "direction": "asc"}, 1), ({"labels": "feature", "state": "all"}, 2), ({"labels": "invalid"}, 0),
])
def test_labels_and_state_are_counted_off_the_label_links(world, api, make_issue, make_pull_row, params, total):
    """The count reads IssueLabel alone (no issue row), exact, pull requests left out; one query as before."""
    writer = actor_for_user(world.writer)
    make_issue(world.public, world.writer, labels=["bug", "feature"])
    make_issue(world.public, world.writer, labels=["bug"])
    closed = make_issue(world.public, world.writer, labels=["bug", "feature"])
    services.issue_close(issue=closed, actor=writer)
    make_issue(world.public, world.writer, labels=["documentation"])
    make_issue(world.private, world.writer, labels=["bug", "feature"])  # its own "bug": never counted or listed here
    pr = make_pull_row(world.public, world.writer)
    services.issue_set_labels(issue=pr, actor=writer, names=["bug", "feature"], event_prefix="pull_request")
    client = api()
    client.get(BASE)  # compiles the shapes' statements and warms the caches: the measured request is steady
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BASE, {**params, "per_page": 1})
    assert response.status_code == 200 and response["X-Total-Count"] == str(total)
    queries = [q["sql"] for q in ctx.captured_queries]  # before the next request resets the log
    everything = client.get(BASE, {**params, "per_page": 100}).json()
    assert len(everything) == total and all(f"/w-org/pub/issues/{i['number']}" in i["url"] for i in everything)
    counts = [sql for sql in queries if sql.startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and "issues_issue_labels" in counts[0]
    assert '"issues_issue"' not in counts[0] and "issues_issue." not in counts[0], counts[0]
    (page,) = [sql for sql in queries if "ORDER BY" in sql and '"issues_issue"."number"' in sql]
    if params.get("state") != "all" and "sort" not in params:  # read in the order of the first label's links
        assert 'INNER JOIN "issues_issue_labels"' in page and 'ORDER BY "issues_issue_labels"."issue_created_at"' in page
    else:
        assert 'INNER JOIN "issues_issue_labels"' not in page
    # repository, label names, page, count, and for a page with rows its labels and its assignees
    assert len(queries) == (6 if total else 4), queries


@pytest.mark.parametrize("params", [{"labels": "bug", "assignee": "*"}, {"labels": "bug", "milestone": "none"},
                                    {"state": "closed", "creator": "w-writer"}])
def test_other_filters_are_counted_off_the_issues(world, api, make_issue, params):
    make_issue(world.public, world.writer, labels=["bug"], assignees=["w-writer"])
    services.issue_close(issue=make_issue(world.public, world.writer, labels=["bug"]), actor=actor_for_user(world.writer))
    with CaptureQueriesContext(connection) as ctx:
        response = api().get(BASE, params)
    assert response.status_code == 200 and response["X-Total-Count"] == "1"
    (count,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert '"issues_issue"' in count
