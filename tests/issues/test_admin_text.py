"""Texts in the admin are kept as the API keeps them (kizuna.admin.TextAsWritten, for every TextField of
a ServiceAdmin): a browser posts a multi-line text back with CRLF line ends, which is no change, and
nothing is stripped — saving another field of the page neither rewrites a body nor records an edit."""

import pytest
from django.test import Client

from issues import services
from issues.models import Comment, Issue
from kizuna.accounts.actors import actor_for_user
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db

BODY = "  indented\nline2\n"


@pytest.fixture
def staff(make_user):
    client = Client()
    client.force_login(make_user("root-op", is_staff=True, is_superuser=True))
    return client


def test_an_issue_body_posted_back_with_crlf_is_no_edit(world, staff):
    issue = services.issue_create(repo=world.public, actor=actor_for_user(world.writer), title="t", body=BODY)
    form = {"title": "t", "body": BODY.replace("\n", "\r\n"), "labels": "", "assignees": "", "milestone": "",
            "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"}
    assert staff.post(f"/admin/issues/issue/{issue.pk}/change/", {**form, "title": "t2"}).status_code == 302
    (edited,) = Event.objects.filter(type="issue.edited")
    assert set(edited.payload["changes"]) == {"title"}
    assert Issue.objects.get(pk=issue.pk).body == BODY
    # A real change is one, kept as written (CRLF read as LF, not stripped).
    form["body"] = " new\r\nbody\r\n"
    assert staff.post(f"/admin/issues/issue/{issue.pk}/change/", {**form, "title": "t2"}).status_code == 302
    assert Issue.objects.get(pk=issue.pk).body == " new\nbody\n"
    assert Event.objects.filter(type="issue.edited").count() == 2


def test_a_comment_saved_unchanged_is_no_edit(world, staff):
    issue = services.issue_create(repo=world.public, actor=actor_for_user(world.writer), title="t")
    comment = services.comment_create(issue=issue, actor=actor_for_user(world.writer), body=BODY)
    response = staff.post(f"/admin/issues/comment/{comment.pk}/change/", {"body": BODY.replace("\n", "\r\n")})
    assert response.status_code == 302, response.content[:3000]
    assert Comment.objects.get(pk=comment.pk).body == BODY
    assert not Event.objects.filter(type="comment.edited").exists()
