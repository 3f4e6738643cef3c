"""A repository's labels: create, rename / recolour, delete, and the defaults of a new repository."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from repos.models import Repository
from repos.services import DEFAULT_LABELS

from ..models import Label
from .common import label_payload

LABEL_NAME_MAX = 50


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

