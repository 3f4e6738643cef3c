"""A repository's milestones: numbered per repository, unique titles (case-insensitive)."""

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.api.fields import timestamp
from kizuna.events.log import emit_event
from repos.models import Repository

from ..models import Milestone
from .common import milestone_payload


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
    Repository.objects.locked(repo.pk)
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
