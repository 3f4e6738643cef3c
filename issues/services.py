"""Every write to issues, labels, milestones and comments (docs/api.md §8).

Each function is keyword-only, runs in one transaction and appends its event(s) there. Permission
checks belong to the caller (views ask `kizuna.policy`); these functions validate the data
(unknown label / assignee / milestone → 422) and keep the counters (issue numbers, `comments`,
`open_issues_count`) right under concurrency.

The label, assignee and comment functions take any Issue row, a pull request's included; pulls pass
`event_prefix="pull_request"` so their events read `pull_request.labeled` etc.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.api.fields import api_path, timestamp
from kizuna.events.log import emit_event
from repos.models import Repository
from repos.services import DEFAULT_LABELS, next_number

from .models import Comment, Issue, Label, Milestone

MAX_ASSIGNEES = 10
LABEL_NAME_MAX = 50


# --- payloads -------------------------------------------------------------------------------------
def label_payload(label: Label) -> dict:
    return {"id": label.pk, "name": label.name, "color": label.color, "description": label.description}


def milestone_payload(milestone: Milestone | None) -> dict | None:
    if milestone is None:
        return None
    return {"id": milestone.pk, "number": milestone.number, "title": milestone.title, "state": milestone.state,
            "url": api_path(milestone.api_path())}


def issue_payload(issue: Issue) -> dict:
    return {
        "id": issue.pk,
        "number": issue.number,
        "title": issue.title,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "is_pull_request": issue.is_pull_request,
        "author": issue.author.as_json(),
        "url": api_path(issue.api_path()),
    }


def comment_payload(comment: Comment) -> dict:
    return {"id": comment.pk, "body": comment.body, "author": comment.author.as_json(),
            "url": api_path(comment.api_path())}


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


# --- helpers --------------------------------------------------------------------------------------
def _lock_issue(issue: Issue) -> Issue:
    """Re-read the issue under a row lock (serialises concurrent edits of one issue)."""
    locked = Issue.objects.select_for_update().get(pk=issue.pk)
    # Keep the caller's already-loaded relations (repository with its namespace, author…).
    for name in ("repository", "author", "milestone", "closed_by"):
        cache = Issue._meta.get_field(name).get_cached_value(issue, default=None)
        if cache is not None and getattr(locked, f"{name}_id") == cache.pk:
            Issue._meta.get_field(name).set_cached_value(locked, cache)
    return locked


def _touch(issue: Issue, now=None) -> None:
    issue.updated_at = now or timezone.now()
    Issue.objects.filter(pk=issue.pk).update(updated_at=issue.updated_at)


def _adjust_open_count(issue: Issue, delta: int) -> None:
    if issue.is_pull_request or not delta:
        return  # pull requests are counted in open_pulls_count by the pulls app
    Repository.objects.filter(pk=issue.repository_id).update(open_issues_count=F("open_issues_count") + delta)


def _sorted_labels(issue: Issue) -> list[Label]:
    return list(issue.labels.order_by(Lower("name"), "pk"))


# --- labels on an issue (shared with pull requests) -----------------------------------------------
def _apply_labels(issue: Issue, actor: Actor, new: list[Label], *, replace: bool, event_prefix: str) -> list[Label]:
    current = {label.pk: label for label in issue.labels.all()}
    wanted = {label.pk: label for label in new}
    added = [label for pk, label in wanted.items() if pk not in current]
    removed = [label for pk, label in current.items() if pk not in wanted] if replace else []
    if removed:
        issue.labels.remove(*removed)
    if added:
        issue.labels.add(*added)
    if added or removed:
        _touch(issue)
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
    return _apply_labels(issue, actor, resolve_labels(issue.repository, names), replace=True, event_prefix=event_prefix)


@transaction.atomic
def issue_add_labels(*, issue: Issue, actor: Actor, names: list[str], event_prefix: str = "issue") -> list[Label]:
    issue = _lock_issue(issue)
    return _apply_labels(issue, actor, resolve_labels(issue.repository, names), replace=False, event_prefix=event_prefix)


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
def _apply_assignees(issue: Issue, actor: Actor, new: list[Actor], *, event_prefix: str) -> list[Actor]:
    current = {a.pk: a for a in issue.assignees.all()}
    wanted = {a.pk: a for a in new}
    removed = [a for pk, a in current.items() if pk not in wanted]
    added = [a for pk, a in wanted.items() if pk not in current]
    if removed:
        issue.assignees.remove(*removed)
    if added:
        issue.assignees.add(*added)
    if added or removed:
        _touch(issue)
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
    return _apply_assignees(issue, actor, resolve_assignees(issue.repository, logins, field=field), event_prefix=event_prefix)


def _apply_milestone(issue: Issue, actor: Actor, milestone: Milestone | None, *, event_prefix: str) -> None:
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
    _apply_milestone(issue, actor, resolve_milestone(issue.repository, number), event_prefix=event_prefix)
    return issue


# --- issues ---------------------------------------------------------------------------------------
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
    issue = Issue.objects.create(
        repository=repo, number=next_number(repo), title=title, body=body or "", author=actor,
        milestone=milestone_row, created_at=now, updated_at=now,
    )
    issue.repository = repo
    if label_rows:
        issue.labels.add(*label_rows)
    if assignee_rows:
        issue.assignees.add(*assignee_rows)
    _adjust_open_count(issue, +1)
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
    if edits:
        emit_event(type=f"{event_prefix}.edited", actor=actor, repository=repo,
                   payload={event_prefix: issue_payload(issue), "changes": edits})
    if state_event in ("closed", "reopened"):
        emit_event(type=f"{event_prefix}.{state_event}", actor=actor, repository=repo,
                   payload={event_prefix: issue_payload(issue)})
    if label_rows is not None:
        _apply_labels(issue, actor, label_rows, replace=True, event_prefix=event_prefix)
    if assignee_rows is not None:
        _apply_assignees(issue, actor, assignee_rows, event_prefix=event_prefix)
    if milestone_sent:
        _apply_milestone(issue, actor, milestone_row, event_prefix=event_prefix)
    return issue


def issue_close(*, issue: Issue, actor: Actor, state_reason: str = Issue.StateReason.COMPLETED) -> Issue:
    return issue_update(issue=issue, actor=actor, state=Issue.State.CLOSED, state_reason=state_reason)


def issue_reopen(*, issue: Issue, actor: Actor) -> Issue:
    return issue_update(issue=issue, actor=actor, state=Issue.State.OPEN)


# --- comments (shared with pull requests) ---------------------------------------------------------
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


# --- labels ---------------------------------------------------------------------------------------
def _validate_label_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationFailed({"name": ["may not be blank"]})
    if len(name) > LABEL_NAME_MAX:
        raise ValidationFailed({"name": [f"at most {LABEL_NAME_MAX} characters"]})
    if "," in name:  # `labels=a,b` splits on commas
        raise ValidationFailed({"name": ["may not contain a comma"]})
    return name


def _label_taken(repo, name: str, exclude_pk=None) -> bool:
    qs = Label.objects.annotate(lname=Lower("name")).filter(repository=repo, lname=name.lower())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _save_label(label: Label) -> None:
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:  # a concurrent create won the race for the name
        raise ValidationFailed({"name": ["already exists"]}) from None


@transaction.atomic
def label_create(*, repo: Repository, actor: Actor, name: str, color: str, description: str = "") -> Label:
    name = _validate_label_name(name)
    if _label_taken(repo, name):
        raise ValidationFailed({"name": ["already exists"]})
    label = Label(repository=repo, name=name, color=color.lower(), description=description or "")
    _save_label(label)
    emit_event(type="label.created", actor=actor, repository=repo, payload={"label": label_payload(label)})
    return label


@transaction.atomic
def label_update(*, label: Label, actor: Actor, **changes) -> Label:
    """Rename (the label stays on its issues: same row), recolour, describe."""
    edits = {}
    if "name" in changes:
        name = _validate_label_name(changes["name"])
        if name != label.name:
            if _label_taken(label.repository_id, name, exclude_pk=label.pk):
                raise ValidationFailed({"name": ["already exists"]})
            edits["name"] = {"from": label.name}
            label.name = name
    if "color" in changes and changes["color"].lower() != label.color:
        edits["color"] = {"from": label.color}
        label.color = changes["color"].lower()
    if "description" in changes and (changes["description"] or "") != label.description:
        edits["description"] = {"from": label.description}
        label.description = changes["description"] or ""
    if edits:
        _save_label(label)
        emit_event(type="label.edited", actor=actor, repository=label.repository,
                   payload={"label": label_payload(label), "changes": edits})
    return label


@transaction.atomic
def label_delete(*, label: Label, actor: Actor) -> None:
    emit_event(type="label.deleted", actor=actor, repository=label.repository, payload={"label": label_payload(label)})
    label.delete()


def create_default_labels(*, repo: Repository, actor: Actor, **signal) -> None:
    """repos.signals.repository_created receiver: the seven default labels of docs/api.md §8 (no events: part of the repo's creation)."""
    Label.objects.bulk_create([Label(repository=repo, name=n, color=c, description=d) for n, c, d in DEFAULT_LABELS])


# --- milestones -----------------------------------------------------------------------------------
def _milestone_title(repo, title, exclude_pk=None) -> str:
    title = (title or "").strip() if isinstance(title, str) else ""
    if not title:
        raise ValidationFailed({"title": ["may not be blank"]})
    qs = Milestone.objects.annotate(ltitle=Lower("title")).filter(repository=repo, ltitle=title.lower())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed({"title": ["already exists"]})
    return title


@transaction.atomic
def milestone_create(*, repo: Repository, actor: Actor, title: str, description: str = "", due_on=None,
                     state: str = Milestone.State.OPEN) -> Milestone:
    # The repository row lock serialises creators; the unique constraint backs it up.
    Repository.objects.select_for_update().filter(pk=repo.pk).values_list("pk", flat=True).get()
    title = _milestone_title(repo, title)
    number = (Milestone.objects.filter(repository=repo).aggregate(m=Max("number"))["m"] or 0) + 1
    now = timezone.now()
    milestone = Milestone.objects.create(
        repository=repo, number=number, title=title, description=description or "", due_on=due_on, state=state,
        created_at=now, updated_at=now, closed_at=now if state == Milestone.State.CLOSED else None,
    )
    emit_event(type="milestone.created", actor=actor, repository=repo, payload={"milestone": milestone_payload(milestone)})
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor: Actor, **changes) -> Milestone:
    edits = {}
    if "title" in changes:
        title = _milestone_title(milestone.repository_id, changes["title"], exclude_pk=milestone.pk)
        if title != milestone.title:
            edits["title"] = {"from": milestone.title}
            milestone.title = title
    for field in ("description", "due_on"):
        if field in changes:
            value = changes[field] if field == "due_on" else (changes[field] or "")
            if value != getattr(milestone, field):
                old = getattr(milestone, field)
                edits[field] = {"from": timestamp(old) if hasattr(old, "isoformat") else old}
                setattr(milestone, field, value)
    state_event = None
    if "state" in changes and changes["state"] != milestone.state:
        milestone.state = changes["state"]
        milestone.closed_at = timezone.now() if milestone.state == Milestone.State.CLOSED else None
        state_event = "closed" if milestone.state == Milestone.State.CLOSED else "opened"
    if edits or state_event:
        milestone.updated_at = timezone.now()
        milestone.save()
    if edits:
        emit_event(type="milestone.edited", actor=actor, repository=milestone.repository,
                   payload={"milestone": milestone_payload(milestone), "changes": edits})
    if state_event:
        emit_event(type=f"milestone.{state_event}", actor=actor, repository=milestone.repository,
                   payload={"milestone": milestone_payload(milestone)})
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: Actor) -> None:
    emit_event(type="milestone.deleted", actor=actor, repository=milestone.repository,
               payload={"milestone": milestone_payload(milestone)})
    milestone.delete()  # its issues keep existing, without a milestone (SET_NULL)
