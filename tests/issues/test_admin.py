"""The admin writes issues, labels, milestones and comments through issues.services: each change is an
event with the staff user as actor, and what only the services may move is read-only."""

import pytest
from django.test import Client

from issues import services
from issues.models import Comment, Label, Milestone
from kizuna.accounts.actors import actor_for_user
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db

NO_COMMENTS = {"comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"}


@pytest.fixture
def staff(make_user):
    user = make_user("root-op", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def issue(world):
    return services.issue_create(repo=world.public, actor=actor_for_user(world.writer), title="Original", body="text")


def events(type_):
    return list(Event.objects.filter(type=type_).select_related("actor"))


def test_editing_an_issue_title_is_an_edited_event_by_the_staff_user(world, staff, issue):
    response = staff.post(f"/admin/issues/issue/{issue.pk}/change/",
                          {"title": "From the admin", "body": "text", "labels": "", "assignees": "", "milestone": "",
                           **NO_COMMENTS})
    assert response.status_code == 302, response.content[:3000]
    issue.refresh_from_db()
    assert issue.title == "From the admin"
    (edited,) = events("issue.edited")
    assert edited.actor.login == "root-op" and edited.repository_id == world.public.pk
    assert edited.payload["changes"] == {"title": {"from": "Original"}}


def test_labels_assignees_and_milestone_go_through_the_services(world, staff, issue):
    bug = Label.objects.get(repository=world.public, name="bug")
    milestone = services.milestone_create(repo=world.public, actor=actor_for_user(world.admin), title="v1")
    response = staff.post(f"/admin/issues/issue/{issue.pk}/change/", {
        "title": "Original", "body": "text", "labels": str(bug.pk), "assignees": str(actor_for_user(world.writer).pk),
        "milestone": str(milestone.pk), **NO_COMMENTS})
    assert response.status_code == 302, response.content[:3000]
    assert [e.actor.login for e in events("issue.labeled")] == ["root-op"]
    assert [e.actor.login for e in events("issue.assigned")] == ["root-op"]
    assert [e.actor.login for e in events("issue.milestoned")] == ["root-op"]
    assert not events("issue.edited")
    issue.refresh_from_db()
    assert list(issue.labels.all()) == [bug] and issue.milestone == milestone


def test_a_label_of_another_repository_is_refused_not_a_500(world, staff, issue):
    foreign = Label.objects.get(repository=world.private, name="bug")
    response = staff.post(f"/admin/issues/issue/{issue.pk}/change/", {
        "title": "Renamed", "body": "text", "labels": str(foreign.pk), "assignees": "", "milestone": "", **NO_COMMENTS},
        follow=True)
    assert response.status_code == 200
    assert "must belong to the issue" in response.content.decode()
    issue.refresh_from_db()
    assert issue.title == "Original" and not issue.labels.exists()  # one transaction: nothing was kept
    assert not events("issue.edited")


def test_state_and_counters_are_read_only(world, staff, issue):
    staff.post(f"/admin/issues/issue/{issue.pk}/change/", {
        "title": "Original", "body": "text", "labels": "", "assignees": "", "milestone": "", "state": "closed",
        "comments_count": "99", "number": "7", **NO_COMMENTS})
    issue.refresh_from_db()
    assert (issue.state, issue.comments_count, issue.number) == ("open", 0, 1)
    assert staff.get("/admin/issues/issue/add/").status_code == 403


def test_close_action_is_a_closed_event(world, staff, issue):
    staff.post("/admin/issues/issue/", {"action": "close_issues", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.state == "closed"
    assert [e.actor.login for e in events("issue.closed")] == ["root-op"]
    world.public.refresh_from_db()
    assert world.public.open_issues_count == 0


def test_comment_edit_and_delete_are_events(world, staff, issue):
    comment = services.comment_create(issue=issue, actor=actor_for_user(world.writer), body="first")
    page = staff.get(f"/admin/issues/issue/{issue.pk}/change/")
    assert page.status_code == 200 and "first" in page.content.decode()
    response = staff.post(f"/admin/issues/comment/{comment.pk}/change/", {"body": "edited by an operator"})
    assert response.status_code == 302, response.content[:3000]
    (edited,) = events("comment.edited")
    assert edited.actor.login == "root-op" and edited.payload["changes"] == {"body": {"from": "first"}}
    response = staff.post(f"/admin/issues/comment/{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.exists()
    assert [e.actor.login for e in events("comment.deleted")] == ["root-op"]
    issue.refresh_from_db()
    assert issue.comments_count == 0


def test_labels_are_created_edited_and_deleted_through_the_services(world, staff):
    response = staff.post("/admin/issues/label/add/", {
        "repository": world.public.pk, "name": "ops", "color": "AABBCC", "description": ""})
    assert response.status_code == 302, response.content[:3000]
    label = Label.objects.get(repository=world.public, name="ops")
    assert label.color == "aabbcc"  # normalised by the service
    assert [e.actor.login for e in events("label.created")] == ["root-op"]
    response = staff.post(f"/admin/issues/label/{label.pk}/change/", {"name": "operations", "color": "aabbcc",
                                                                      "description": "run it"})
    assert response.status_code == 302, response.content[:3000]
    (edited,) = events("label.edited")
    assert edited.actor.login == "root-op" and set(edited.payload["changes"]) == {"name", "description"}
    # The service's case-insensitive uniqueness, as a message rather than a 500.
    response = staff.post(f"/admin/issues/label/{label.pk}/change/", {"name": "BUG", "color": "aabbcc",
                                                                      "description": ""}, follow=True)
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert Label.objects.get(pk=label.pk).name == "operations"
    staff.post(f"/admin/issues/label/{label.pk}/delete/", {"post": "yes"})
    assert not Label.objects.filter(pk=label.pk).exists()
    assert [e.actor.login for e in events("label.deleted")] == ["root-op"]


def test_milestones_are_created_closed_and_deleted_through_the_services(world, staff):
    response = staff.post("/admin/issues/milestone/add/", {
        "repository": world.public.pk, "title": "v2", "description": "", "state": "open",
        "due_on_0": "", "due_on_1": ""})
    assert response.status_code == 302, response.content[:3000]
    milestone = Milestone.objects.get(repository=world.public, title="v2")
    assert milestone.number == 1
    assert [e.actor.login for e in events("milestone.created")] == ["root-op"]
    response = staff.post(f"/admin/issues/milestone/{milestone.pk}/change/", {
        "title": "v2", "description": "", "state": "closed", "due_on_0": "", "due_on_1": ""})
    assert response.status_code == 302, response.content[:3000]
    milestone.refresh_from_db()
    assert milestone.state == "closed" and milestone.closed_at is not None
    assert [e.actor.login for e in events("milestone.closed")] == ["root-op"]
    staff.post(f"/admin/issues/milestone/{milestone.pk}/delete/", {"post": "yes"})
    assert [e.actor.login for e in events("milestone.deleted")] == ["root-op"]


def test_issue_pages_load(world, staff, issue):
    for page in ("/admin/issues/issue/", "/admin/issues/label/", "/admin/issues/milestone/", "/admin/issues/comment/",
                 f"/admin/issues/issue/{issue.pk}/change/"):
        assert staff.get(page).status_code == 200, page
