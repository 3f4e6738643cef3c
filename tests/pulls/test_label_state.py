"""A pull request's label links copy its Issue row's state (issues.models.IssueLabel): closing, reopening and
merging it through pulls.services keep the copy in step (the issue paths: tests/issues/test_label_state.py)."""

import pytest

from issues.models import Issue
from tests.issues.label_state import label_link_drift, link_states

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub/pulls"


def test_close_reopen_and_merge_keep_the_copy(pr_world, api):
    admin = api(pr_world.tokens["admin"])
    created = admin.post(BASE, {"title": "Add feature", "head": "feature"})
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    row = Issue.objects.get(repository=pr_world.repo, number=number)
    assert admin.patch(f"{BASE}/{number}", {"labels": ["bug", "feature"]}).status_code == 200
    steps = [
        ("open", None),
        ("closed", lambda: admin.patch(f"{BASE}/{number}", {"state": "closed"})),
        ("open", lambda: admin.patch(f"{BASE}/{number}", {"state": "open"})),
        ("open", lambda: admin.patch(f"{BASE}/{number}", {"labels": ["documentation"]})),
        ("closed", lambda: admin.post(f"{BASE}/{number}/merge", {})),
    ]
    for state, step in steps:
        if step is not None:
            response = step()
            assert response.status_code == 200, response.json()
        row.refresh_from_db()
        assert row.state == state and row.labels.exists()
        assert link_states(row) == {state} and label_link_drift() == []
