# provisional (pulls branch): replaced by the issues branch at merge
"""Minimal shared issue services that pull requests reuse (labels, assignees, comments)."""

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.services import emit_event

from .models import Comment, Issue, Label


@transaction.atomic
def issue_set_labels(*, issue: Issue, actor: Actor, names) -> list[Label]:
    wanted = {n.lower(): n for n in names}
    labels = list(Label.objects.annotate(l=Lower("name")).filter(repository_id=issue.repository_id, l__in=list(wanted)))
    missing = sorted(set(wanted) - {label.name.lower() for label in labels})
    if missing:
        raise ValidationFailed({"labels": [f"unknown label: {wanted[m]}" for m in missing]})
    before = {label.pk for label in issue.labels.all()}
    issue.labels.set(labels)
    Issue.objects.filter(pk=issue.pk).update(updated_at=timezone.now())
    for label in labels:
        if label.pk not in before:
            emit_event(type="issue.labeled", actor=actor, repository=issue.repository,
                       payload={"number": issue.number, "label": label.name})
    return labels


@transaction.atomic
def issue_set_assignees(*, issue: Issue, actor: Actor, logins) -> list[Actor]:
    wanted = {n.lower(): n for n in logins}
    actors = list(Actor.objects.annotate(l=Lower("login")).filter(l__in=list(wanted)).exclude(type=Actor.Type.DEPLOY))
    missing = sorted(set(wanted) - {a.login.lower() for a in actors})
    if missing:
        raise ValidationFailed({"assignees": [f"unknown assignee: {wanted[m]}" for m in missing]})
    before = {a.pk for a in issue.assignees.all()}
    issue.assignees.set(actors)
    Issue.objects.filter(pk=issue.pk).update(updated_at=timezone.now())
    for a in actors:
        if a.pk not in before:
            emit_event(type="issue.assigned", actor=actor, repository=issue.repository,
                       payload={"number": issue.number, "assignee": a.as_json()}, subject=a)
    return actors


@transaction.atomic
def comment_create(*, issue: Issue, actor: Actor, body: str) -> Comment:
    if not body or not body.strip():
        raise ValidationFailed({"body": ["is required"]})
    now = timezone.now()
    comment = Comment.objects.create(issue=issue, body=body, author=actor, created_at=now, updated_at=now)
    Issue.objects.filter(pk=issue.pk).update(comments_count=F("comments_count") + 1, updated_at=now)
    emit_event(type="comment.created", actor=actor, repository=issue.repository,
               payload={"number": issue.number, "comment": {"id": comment.pk, "body": body}})
    return comment
