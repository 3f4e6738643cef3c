"""Pull requests in the admin: merging happens only through the merge service, so `merged` and the
other git fields are read-only; the changes the admin allows run pulls.services and are events."""

import pytest
from django.test import Client

from kizuna.events.models import Event
from pulls.models import PullRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    client = Client()
    client.force_login(make_user("root-op", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def pull(pr_world, api):
    response = api(pr_world.tokens["admin"]).post("/repos/w-org/pub/pulls", {"title": "Add feature", "head": "feature"})
    assert response.status_code == 201
    return PullRequest.objects.get(issue__number=response.json()["number"], repository=pr_world.repo)


def test_ticking_merged_does_not_merge(pr_world, staff, pull):
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {
        "title": "Add feature", "body": "", "base_ref": "main", "merged": "on", "merge_commit_sha": "0" * 40, "mergeable": "true", "draft": "on"})
    assert response.status_code == 302, response.content[:3000]
    pull.refresh_from_db()
    assert not pull.merged and pull.merge_commit_sha is None and pull.merged_at is None and not pull.draft
    assert not Event.objects.filter(type="pull_request.merged").exists()
    page = staff.get(f"/admin/pulls/pullrequest/{pull.pk}/change/").content.decode()
    assert 'name="merged"' not in page and 'name="base_ref"' in page


def test_base_change_and_close_go_through_the_services(pr_world, staff, pull):
    pr_world.clone.branch("release", "main")
    pr_world.clone.push("release")
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {"title": "Add feature", "base_ref": "release"})
    assert response.status_code == 302, response.content[:3000]
    (edited,) = Event.objects.filter(type="pull_request.edited")
    assert edited.actor.login == "root-op" and edited.payload["changes"]["base"]["ref"] == {"from": "main"}
    # An unknown branch is the service's 422, shown as a message, not a 500.
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {"title": "Add feature", "base_ref": "nope"},
                          follow=True)
    assert response.status_code == 200 and "Not saved" in response.content.decode()
    staff.post("/admin/pulls/pullrequest/", {"action": "close_pulls", "_selected_action": [pull.pk]})
    pull.refresh_from_db()
    assert pull.issue.state == "closed" and pull.base_ref == "release"
    assert Event.objects.get(type="pull_request.closed").actor.login == "root-op"
    pr_world.repo.refresh_from_db()
    assert pr_world.repo.open_pulls_count == 0


def test_title_and_body_of_a_pull_request_are_edited_on_its_own_page(pr_world, staff, pull):
    page = staff.get(f"/admin/pulls/pullrequest/{pull.pk}/change/").content.decode()
    assert 'name="title"' in page and 'value="Add feature"' in page and 'name="body"' in page
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {
        "title": "Better title", "body": "Why", "base_ref": "main"})
    assert response.status_code == 302, response.content[:3000]
    (edited,) = Event.objects.filter(type="pull_request.edited")
    assert edited.actor.login == "root-op"
    assert edited.payload["changes"] == {"title": {"from": "Add feature"}, "body": {"from": ""}}
    pull.issue.refresh_from_db()
    assert (pull.issue.title, pull.issue.body) == ("Better title", "Why")
    # A blank title is the form's error, and changes nothing.
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {"title": "", "body": "", "base_ref": "main"})
    assert response.status_code == 200 and Event.objects.filter(type="pull_request.edited").count() == 1


def test_a_base_change_leaves_a_multi_line_body_as_written(pr_world, staff, pull):
    """The browser posts the body back with CRLF line ends: that is no edit, and the body is not stripped."""
    from issues.models import Issue

    Issue.objects.filter(pk=pull.issue_id).update(body="line1\nline2\n")
    pr_world.clone.branch("release", "main")
    pr_world.clone.push("release")
    response = staff.post(f"/admin/pulls/pullrequest/{pull.pk}/change/", {
        "title": "Add feature", "body": "line1\r\nline2\r\n", "base_ref": "release"})
    assert response.status_code == 302, response.content[:3000]
    (edited,) = Event.objects.filter(type="pull_request.edited")
    assert set(edited.payload["changes"]) == {"base"}
    pull.issue.refresh_from_db()
    assert pull.issue.body == "line1\nline2\n"


def test_the_issue_page_shows_a_pull_requests_text_read_only(pr_world, staff, pull):
    """The issues app knows nothing of pull requests: their text is edited through pulls.services."""
    page = staff.get(f"/admin/issues/issue/{pull.issue_id}/change/").content.decode()
    assert 'name="title"' not in page and "Add feature" in page
    response = staff.post(f"/admin/issues/issue/{pull.issue_id}/change/", {
        "title": "Better title", "body": "", "labels": "", "assignees": "", "milestone": "",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content[:3000]
    pull.issue.refresh_from_db()
    assert pull.issue.title == "Add feature"
    assert not Event.objects.filter(type__in=("pull_request.edited", "issue.edited")).exists()


def test_admin_shows_rules_and_reviews_read_only(pr_world, staff, pull):
    from kizuna.accounts.actors import actor_for_user
    from pulls import services
    from pulls.models import BranchProtection, Review

    admin = actor_for_user(pr_world.admin)
    rule = services.protection_set(repo=pr_world.repo, branch="main", actor=admin, required_approving_review_count=2)
    review = services.review_submit(pull=pull, actor=actor_for_user(pr_world.writer), event="APPROVE")
    for model, pk in (("branchprotection", rule.pk), ("review", review.pk)):
        assert staff.get(f"/admin/pulls/{model}/").status_code == 200
        assert staff.get(f"/admin/pulls/{model}/{pk}/change/").status_code == 200  # a read-only view
        assert staff.get(f"/admin/pulls/{model}/add/").status_code == 403
        assert staff.post(f"/admin/pulls/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert BranchProtection.objects.filter(pk=rule.pk).exists() and Review.objects.filter(pk=review.pk).exists()
