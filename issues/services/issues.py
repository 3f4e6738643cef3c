"""Opening, editing, closing and reopening issues; `issue_update` also takes a pull request's row
(pulls pass `event_prefix="pull_request"`)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from repos.models import Repository
from repos.services import next_issue_number

from ..models import Issue, IssueLabel
from .common import (
    _lock_issue,
    copy_state_to_label_links,
    issue_payload,
    label_link_fields,
    milestone_payload,
)
from .metadata import (
    apply_assignees,
    apply_labels,
    apply_milestone,
    resolve_assignees,
    resolve_labels,
    resolve_milestone,
)


def _adjust_open_count(issue: Issue, delta: int) -> None:
    if issue.is_pull_request or not delta:
        return  # pull requests are counted in open_pulls_count by the pulls app
    Repository.objects.filter(pk=issue.repository_id).update(open_issues_count=F("open_issues_count") + delta)


def _validate_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed({"title": ["may not be blank"]})
    if len(title) > 256:
        raise ValidationFailed({"title": ["at most 256 characters"]})
    return title


@transaction.atomic
def issue_create(
    *,
    repo: Repository,
    actor: Actor,
    title: str,
    body: str = "",
    labels: list[str] | None = None,
    assignees: list[str] | None = None,
    milestone: int | None = None,
    assignee: str | None = None,
) -> Issue:
    """`assignee` (one login) is the single form of `assignees`; `assignees` wins when both are given."""
    title = _validate_title(title)
    # Validate everything before taking a number: bad input changes nothing (and burns no number).
    label_rows = resolve_labels(repo, labels or [])
    if assignees is None and assignee:
        assignee_rows = resolve_assignees(repo, [assignee], field="assignee")
    else:
        assignee_rows = resolve_assignees(repo, assignees or [])
    milestone_row = resolve_milestone(repo, milestone)
    now = timezone.now()
    # The number, `issues_count` and `open_issues_count` in one write of the repository's row.
    issue = Issue.objects.create(
        repository=repo, number=next_issue_number(repo), title=title, body=body or "", author=actor,
        milestone=milestone_row, created_at=now, updated_at=now,
    )
    issue.repository = repo
    if label_rows:  # a new issue has no links yet: written at once (labels.add would read them first)
        links = {label.pk: IssueLabel(issue=issue, label=label, **label_link_fields(issue)) for label in label_rows}
        IssueLabel.objects.bulk_create(links.values())
    if assignee_rows:
        issue.assignees.add(*assignee_rows)
    emit_event(type="issue.opened", actor=actor, repository=repo,
               payload={"issue": {**issue_payload(issue), "labels": [label.name for label in label_rows],
                                  "assignees": [a.as_json() for a in assignee_rows],
                                  "milestone": milestone_payload(milestone_row)}})
    return issue


STATE_REASONS_CLOSED = (Issue.StateReason.COMPLETED, Issue.StateReason.NOT_PLANNED)


def _apply_state(issue: Issue, actor: Actor, state: str | None, reason: str | None) -> tuple[str | None, dict]:
    """Close / reopen / change the close reason. Returns ("closed" | "reopened" | "reason" | None, changes)."""
    target = state or issue.state
    if target == Issue.State.CLOSED:
        if reason not in (None, *STATE_REASONS_CLOSED):
            raise ValidationFailed({"state_reason": ["must be completed or not_planned for a closed issue"]})
        if reason is None:
            reason = issue.state_reason if issue.state == Issue.State.CLOSED else None
        reason = reason or Issue.StateReason.COMPLETED
    elif reason not in (None, Issue.StateReason.REOPENED):
        raise ValidationFailed({"state_reason": ["must be reopened (or null) for an open issue"]})
    if target == issue.state:
        if target == Issue.State.CLOSED and reason != issue.state_reason:
            changes = {"state_reason": {"from": issue.state_reason}}
            issue.state_reason = reason
            return "reason", changes
        return None, {}
    now = timezone.now()
    if target == Issue.State.CLOSED:
        issue.state, issue.state_reason, issue.closed_at, issue.closed_by = target, reason, now, actor
        _adjust_open_count(issue, -1)
        return "closed", {}
    issue.state, issue.state_reason, issue.closed_at, issue.closed_by = target, Issue.StateReason.REOPENED, None, None
    _adjust_open_count(issue, +1)
    return "reopened", {}


@transaction.atomic
def issue_update(*, issue: Issue, actor: Actor, event_prefix: str = "issue", **changes) -> Issue:
    """PATCH semantics: only the keys present change. Keys: title, body, state, state_reason, labels,
    assignees, assignee (one login or None; replaces the assignees), milestone (number or None)."""
    issue = _lock_issue(issue)
    repo = issue.repository
    # Resolve everything first so that a bad value changes nothing.
    label_rows = resolve_labels(repo, changes["labels"]) if "labels" in changes else None
    assignee_rows = None
    if "assignees" in changes:
        assignee_rows = resolve_assignees(repo, changes["assignees"])
    elif "assignee" in changes:
        one = changes["assignee"]
        assignee_rows = resolve_assignees(repo, [one] if one else [], field="assignee")
    milestone_sent = "milestone" in changes
    milestone_row = resolve_milestone(repo, changes["milestone"]) if milestone_sent else None

    edits = {}
    if "title" in changes:
        title = _validate_title(changes["title"])
        if title != issue.title:
            edits["title"] = {"from": issue.title}
            issue.title = title
    if "body" in changes:
        body = changes["body"] or ""
        if body != issue.body:
            edits["body"] = {"from": issue.body}
            issue.body = body
    state_event, reason_change = _apply_state(issue, actor, changes.get("state"), changes.get("state_reason"))
    edits.update(reason_change)
    if edits or state_event:
        issue.updated_at = timezone.now()
        issue.save(update_fields=["title", "body", "state", "state_reason", "closed_at", "closed_by", "updated_at"])
    if state_event in ("closed", "reopened"):
        copy_state_to_label_links(issue)
    if edits:
        emit_event(type=f"{event_prefix}.edited", actor=actor, repository=repo,
                   payload={event_prefix: issue_payload(issue), "changes": edits})
    if state_event in ("closed", "reopened"):
        emit_event(type=f"{event_prefix}.{state_event}", actor=actor, repository=repo,
                   payload={event_prefix: issue_payload(issue)})
    if label_rows is not None:
        apply_labels(issue, actor, label_rows, replace=True, event_prefix=event_prefix)
    if assignee_rows is not None:
        apply_assignees(issue, actor, assignee_rows, event_prefix=event_prefix)
    if milestone_sent:
        apply_milestone(issue, actor, milestone_row, event_prefix=event_prefix)
    return issue


def issue_close(*, issue: Issue, actor: Actor, state_reason: str = Issue.StateReason.COMPLETED) -> Issue:
    return issue_update(issue=issue, actor=actor, state=Issue.State.CLOSED, state_reason=state_reason)


def issue_reopen(*, issue: Issue, actor: Actor) -> Issue:
    return issue_update(issue=issue, actor=actor, state=Issue.State.OPEN)

