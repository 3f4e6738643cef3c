"""Comments on an issue or a pull request: each keeps the issue's `comments` count right."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event

from ..models import Comment, Issue
from .common import comment_payload, issue_payload


def _validate_body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed({"body": ["may not be blank"]})
    return body


@transaction.atomic
def comment_create(*, issue: Issue, actor: Actor, body: str) -> Comment:
    body = _validate_body(body)
    now = timezone.now()
    comment = Comment.objects.create(issue=issue, body=body, author=actor, created_at=now, updated_at=now)
    Issue.objects.filter(pk=issue.pk).update(comments_count=F("comments_count") + 1, updated_at=now)
    issue.refresh_from_db(fields=["comments_count", "updated_at"])
    emit_event(type="comment.created", actor=actor, repository=issue.repository,
               payload={"comment": comment_payload(comment), "issue": issue_payload(issue)})
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor: Actor, body: str) -> Comment:
    body = _validate_body(body)
    if body == comment.body:
        return comment
    previous = comment.body
    comment.body = body
    comment.updated_at = timezone.now()
    comment.save(update_fields=["body", "updated_at"])
    issue = comment.issue
    emit_event(type="comment.edited", actor=actor, repository=issue.repository,
               payload={"comment": comment_payload(comment), "issue": issue_payload(issue),
                        "changes": {"body": {"from": previous}}})
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: Actor) -> None:
    issue = comment.issue
    payload = {"comment": comment_payload(comment), "issue": issue_payload(issue)}
    deleted, _ = Comment.objects.filter(pk=comment.pk).delete()
    if deleted:  # a concurrent delete already decremented
        Issue.objects.filter(pk=issue.pk).update(comments_count=F("comments_count") - 1)
        emit_event(type="comment.deleted", actor=actor, repository=issue.repository, payload=payload)

