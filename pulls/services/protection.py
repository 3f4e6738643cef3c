"""Branch protection rules: set (replace) and delete; the policy enforces them (kizuna.policy)."""

from django.db import transaction
from django.utils import timezone

from kizuna.accounts.models import Actor
from kizuna.events.log import emit_event
from repos.models import Repository

from ..models import BranchProtection


def protection_set(*, repo: Repository, branch: str, actor: Actor, **fields) -> BranchProtection:
    """PUT: the rule is replaced; omitted fields take their defaults."""
    with transaction.atomic():
        repo = Repository.objects.locked(repo.pk)
        defaults = {name: BranchProtection._meta.get_field(name).get_default() for name in BranchProtection.FIELDS}
        values = {**defaults, **{k: v for k, v in fields.items() if k in BranchProtection.FIELDS}}
        rule, created = BranchProtection.objects.update_or_create(
            repository=repo, branch=branch, defaults={**values, "updated_at": timezone.now()})
        emit_event(type="branch_protection.changed", actor=actor, repository=repo,
                   payload={"branch": branch, "action": "created" if created else "updated", "protection": rule.as_json()})
    return rule


def protection_delete(*, repo: Repository, branch: str, actor: Actor) -> None:
    with transaction.atomic():
        repo = Repository.objects.locked(repo.pk)
        deleted, _ = BranchProtection.objects.filter(repository=repo, branch=branch).delete()
        if not deleted:
            from kizuna.api.errors import NotFound

            raise NotFound("Branch not protected")
        emit_event(type="branch_protection.changed", actor=actor, repository=repo,
                   payload={"branch": branch, "action": "deleted", "protection": None})
