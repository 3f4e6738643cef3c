"""An issue's labels, assignees and milestone (any Issue row, a pull request's included: pulls pass
`event_prefix="pull_request"`). The lookups answer 422 for anything unknown or belonging to another
repository; the `apply_*` functions are what issue_update composes, under the caller's issue lock."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from repos.models import Repository

from ..models import Issue, Label, Milestone
from .common import (
    _lock_issue,
    issue_payload,
    label_link_fields,
    label_payload,
    milestone_payload,
)

MAX_ASSIGNEES = 10


# --- lookups (422 for anything unknown or belonging to another repository) ------------------------
def _dedupe(values: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for value in values:
        key = value.lower()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def resolve_labels(repo: Repository, names: Iterable[str], *, field: str = "labels") -> list[Label]:
    names = _dedupe(n.strip() for n in names)
    if not names:
        return []
    found = {
        label.lname: label
        for label in Label.objects.annotate(lname=Lower("name")).filter(repository=repo, lname__in=[n.lower() for n in names])
    }
    missing = [n for n in names if n.lower() not in found]
    if missing:
        raise ValidationFailed({field: [f"unknown label: {n}" for n in missing]})
    return [found[n.lower()] for n in names]


def resolve_actors(logins: Iterable[str]) -> dict[str, Actor]:
    """Users and agents by login (case-insensitive); deploy identities are never assignable."""
    lowered = list({login.lower() for login in logins})
    if not lowered:
        return {}
    actors = (
        Actor.objects.exclude(type=Actor.Type.DEPLOY)
        .select_related("user", "agent", "agent__operator")
        .annotate(llogin=Lower("login"))
        .filter(llogin__in=lowered)
    )
    return {actor.llogin: actor for actor in actors}


def _principal_of(actor: Actor):
    return actor.user if actor.type == Actor.Type.USER else actor.agent


def resolve_assignees(repo: Repository, logins: Iterable[str], *, field: str = "assignees") -> list[Actor]:
    from kizuna.policy import can_read

    logins = _dedupe(login.strip() for login in logins)
    if len(logins) > MAX_ASSIGNEES:
        raise ValidationFailed({field: [f"at most {MAX_ASSIGNEES} assignees"]})
    found = resolve_actors(logins)
    errors = []
    for login in logins:
        actor = found.get(login.lower())
        if actor is None:
            errors.append(f"unknown user or agent: {login}")
        elif not can_read(_principal_of(actor), repo):
            errors.append(f"{actor.login} cannot be assigned: no access to this repository")
    if errors:
        raise ValidationFailed({field: errors})
    return [found[login.lower()] for login in logins]


def resolve_milestone(repo: Repository, number) -> Milestone | None:
    if number is None:
        return None
    milestone = Milestone.objects.filter(repository=repo, number=number).first()
    if milestone is None:
        raise ValidationFailed({"milestone": [f"unknown milestone: {number}"]})
    return milestone


def _touch(issue: Issue, now=None) -> None:
    issue.updated_at = now or timezone.now()
    Issue.objects.filter(pk=issue.pk).update(updated_at=issue.updated_at)


def _sorted_labels(issue: Issue) -> list[Label]:
    return list(issue.labels.order_by(Lower("name"), "pk"))


def _sync_related(issue: Issue, related, new: list, *, replace: bool, through_defaults=None) -> tuple[list, list]:
    """Give the issue's many-to-many `related` the rows of `new` (with `replace`, only those), new links
    written with `through_defaults`; returns (added, removed) and touches the issue when anything changed."""
    current = {row.pk: row for row in related.all()}
    wanted = {row.pk: row for row in new}
    added = [row for pk, row in wanted.items() if pk not in current]
    removed = [row for pk, row in current.items() if pk not in wanted] if replace else []
    if removed:
        related.remove(*removed)
    if added:
        related.add(*added, through_defaults=through_defaults)
    if added or removed:
        _touch(issue)
    return added, removed


# --- labels on an issue (shared with pull requests) -----------------------------------------------
def apply_labels(issue: Issue, actor: Actor, new: list[Label], *, replace: bool, event_prefix: str) -> list[Label]:
    added, removed = _sync_related(issue, issue.labels, new, replace=replace, through_defaults=label_link_fields(issue))
    for label in removed:
        emit_event(type=f"{event_prefix}.unlabeled", actor=actor, repository=issue.repository,
                   payload={event_prefix: issue_payload(issue), "label": label_payload(label)})
    for label in added:
        emit_event(type=f"{event_prefix}.labeled", actor=actor, repository=issue.repository,
                   payload={event_prefix: issue_payload(issue), "label": label_payload(label)})
    return _sorted_labels(issue)


@transaction.atomic
def issue_set_labels(*, issue: Issue, actor: Actor, names: list[str], event_prefix: str = "issue") -> list[Label]:
    """Replace the issue's labels with `names`; returns the issue's labels sorted by name."""
    issue = _lock_issue(issue)
    return apply_labels(issue, actor, resolve_labels(issue.repository, names), replace=True, event_prefix=event_prefix)


@transaction.atomic
def issue_add_labels(*, issue: Issue, actor: Actor, names: list[str], event_prefix: str = "issue") -> list[Label]:
    issue = _lock_issue(issue)
    return apply_labels(issue, actor, resolve_labels(issue.repository, names), replace=False, event_prefix=event_prefix)


@transaction.atomic
def issue_remove_label(*, issue: Issue, actor: Actor, name: str, event_prefix: str = "issue") -> list[Label]:
    """Remove one label; a label the issue does not carry → NotFound (as GitHub)."""
    from kizuna.api.errors import NotFound

    issue = _lock_issue(issue)
    label = issue.labels.annotate(lname=Lower("name")).filter(lname=name.strip().lower()).first()
    if label is None:
        raise NotFound("Label not found on this issue", details={"label": name})
    issue.labels.remove(label)
    _touch(issue)
    emit_event(type=f"{event_prefix}.unlabeled", actor=actor, repository=issue.repository,
               payload={event_prefix: issue_payload(issue), "label": label_payload(label)})
    return _sorted_labels(issue)


# --- assignees and milestone ----------------------------------------------------------------------
def apply_assignees(issue: Issue, actor: Actor, new: list[Actor], *, event_prefix: str) -> list[Actor]:
    added, removed = _sync_related(issue, issue.assignees, new, replace=True)
    for assignee in removed:
        emit_event(type=f"{event_prefix}.unassigned", actor=actor, repository=issue.repository, subject=assignee,
                   payload={event_prefix: issue_payload(issue), "assignee": assignee.as_json()})
    for assignee in added:
        emit_event(type=f"{event_prefix}.assigned", actor=actor, repository=issue.repository, subject=assignee,
                   payload={event_prefix: issue_payload(issue), "assignee": assignee.as_json()})
    return list(issue.assignees.order_by(Lower("login"), "pk"))


@transaction.atomic
def issue_set_assignees(*, issue: Issue, actor: Actor, logins: list[str], event_prefix: str = "issue",
                        field: str = "assignees") -> list[Actor]:
    """Replace the assignees (users or agents who can read the repository)."""
    issue = _lock_issue(issue)
    return apply_assignees(issue, actor, resolve_assignees(issue.repository, logins, field=field), event_prefix=event_prefix)


def apply_milestone(issue: Issue, actor: Actor, milestone: Milestone | None, *, event_prefix: str) -> None:
    if issue.milestone_id == (milestone.pk if milestone else None):
        return
    previous = issue.milestone
    issue.milestone = milestone
    issue.updated_at = timezone.now()
    Issue.objects.filter(pk=issue.pk).update(milestone=milestone, updated_at=issue.updated_at)
    if milestone is not None:
        emit_event(type=f"{event_prefix}.milestoned", actor=actor, repository=issue.repository,
                   payload={event_prefix: issue_payload(issue), "milestone": milestone_payload(milestone)})
    else:  # §13 has no "demilestoned": removing a milestone is an edit
        emit_event(type=f"{event_prefix}.edited", actor=actor, repository=issue.repository,
                   payload={event_prefix: issue_payload(issue),
                            "changes": {"milestone": {"from": milestone_payload(previous)}}})


@transaction.atomic
def issue_set_milestone(*, issue: Issue, actor: Actor, number: int | None, event_prefix: str = "issue") -> Issue:
    issue = _lock_issue(issue)
    apply_milestone(issue, actor, resolve_milestone(issue.repository, number), event_prefix=event_prefix)
    return issue
