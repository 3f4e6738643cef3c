"""Every write to repositories. The git directory and the row live and die together."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts.models import Actor, Namespace
from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from kizuna.statements import Param, Update, statement

from . import git, signals
from .models import Repository

# The labels every new repository starts with (docs/api.md §8).
DEFAULT_LABELS = [
    ("bug", "d73a4a", "Something isn't working"),
    ("feature", "a2eeef", "New feature or request"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("invalid", "e4e669", "This doesn't seem right"),
]



def repository_payload(repo: Repository) -> dict:
    return {"id": repo.pk, "name": repo.name, "full_name": repo.full_name, "visibility": repo.visibility,
            "default_branch": repo.default_branch, "archived": repo.archived}


def _name_taken(namespace: Namespace, name: str, exclude_pk=None) -> bool:
    qs = Repository.objects.annotate(lname=Lower("name")).filter(namespace=namespace, lname=name.lower())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def repo_create(
    *,
    actor: Actor,
    namespace: Namespace,
    name: str,
    description: str = "",
    visibility: str = "private",
    default_branch: str = "main",
    auto_init: bool = False,
) -> Repository:
    repo = None
    try:
        with transaction.atomic():
            if _name_taken(namespace, name):
                raise ValidationFailed({"name": ["already exists"]})
            now = timezone.now()
            repo = Repository(namespace=namespace, name=name, description=description or "", visibility=visibility,
                              default_branch=default_branch, created_at=now, updated_at=now)
            try:
                with transaction.atomic():
                    repo.save()
            except IntegrityError:  # a concurrent create won the race for the name
                raise ValidationFailed({"name": ["already exists"]}) from None
            git.init_bare(repo.pk, default_branch)
            if auto_init:
                git.commit_initial_readme(repo.pk, branch=default_branch, repo_name=name, description=description or "", actor=actor)
                repo.pushed_at = timezone.now()
                repo.save(update_fields=["pushed_at"])
            signals.repository_created.send(sender=Repository, repo=repo, actor=actor)
            emit_event(type="repository.created", actor=actor, repository=repo, payload={"repository": repository_payload(repo)})
    except BaseException:
        if repo is not None and repo.pk is not None:
            git.delete(repo.pk)  # no directory without its row
        raise
    return repo


@transaction.atomic
def repo_update(*, actor: Actor, repo: Repository, **changes) -> Repository:
    repo = Repository.objects.locked(repo.pk)
    before = repository_payload(repo)
    new_name = changes.pop("name", None)
    if new_name is not None and new_name != repo.name:
        if _name_taken(repo.namespace, new_name, exclude_pk=repo.pk):
            raise ValidationFailed({"name": ["already exists"]})
        old_full_name = repo.full_name
        repo.name = new_name
        emit_event(type="repository.renamed", actor=actor, repository=repo,
                   payload={"repository": repository_payload(repo), "changes": {"name": {"from": before["name"]}},
                            "from_full_name": old_full_name})
    branch = changes.get("default_branch")
    if branch is not None and branch != repo.default_branch:
        if git.has_commits(repo.pk) and not git.branch_exists(repo.pk, branch):
            raise ValidationFailed({"default_branch": ["no such branch"]})
        git.set_head(repo.pk, branch)
    changed = {}
    for field in ("description", "visibility", "default_branch", "archived"):
        if field in changes and changes[field] != getattr(repo, field):
            changed[field] = {"from": getattr(repo, field)}
            setattr(repo, field, changes[field])
    repo.updated_at = timezone.now()
    try:
        with transaction.atomic():
            repo.save()
    except IntegrityError:
        raise ValidationFailed({"name": ["already exists"]}) from None
    if changed:
        emit_event(type="repository.updated", actor=actor, repository=repo,
                   payload={"repository": repository_payload(repo), "changes": changed})
    return repo


def repo_delete(*, actor: Actor, repo: Repository) -> None:
    repo_id = repo.pk
    with transaction.atomic():
        emit_event(type="repository.deleted", actor=actor, repository=None, namespace=repo.namespace,
                   payload={"repository": repository_payload(repo)})
        repo.delete()
        # The git data goes only once the row is really gone.
        transaction.on_commit(lambda: git.delete(repo_id))


def next_number(repo: Repository) -> int:
    """The next issue/pull request number: an atomic counter row, never MAX()+1, never reused.

    Runs inside the caller's transaction; the row lock it takes serialises concurrent creators.
    """
    return _bump(repo, "last_number")


def next_issue_number(repo: Repository) -> int:
    """`next_number` for a new issue (not a pull request): the same statement also counts it in
    `issues_count` and `open_issues_count`, which the new issue joins (one row write, not two)."""
    return _bump(repo, "last_number", also=("issues_count", "open_issues_count"))


def next_pipeline_number(repo: Repository) -> int:
    return _bump(repo, "last_pipeline_number")


def _bump(repo: Repository, field: str, also: tuple[str, ...] = ()) -> int:
    """`field` of the repository's row plus one, and its new value: one statement (UPDATE … RETURNING, on
    PostgreSQL and SQLite ≥ 3.35 alike) instead of an UPDATE and a SELECT. `also`: counters raised by one
    in the same statement."""
    from django.db import connections

    connection = connections[Repository.objects.db]
    qn = connection.ops.quote_name
    column = qn(Repository._meta.get_field(field).column)
    sets = ", ".join(f"{c} = {c} + 1" for c in [column, *(qn(Repository._meta.get_field(f).column) for f in also)])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(Repository._meta.db_table)} SET {sets} "
                       f"WHERE {qn(Repository._meta.pk.column)} = %s RETURNING {column}", [repo.pk])
        row = cursor.fetchone()
    if row is None:
        raise Repository.DoesNotExist(f"repository {repo.pk}")
    return row[0]


@transaction.atomic
def on_push(*, repo: Repository, ref: str, before: str, after: str, actor: Actor, commits: list[dict] | None = None):
    """Record one updated ref: `pushed_at`, a `push` event, then `signals.ref_updated`, in one transaction.

    `commits` is the list of new commits `[{id, message, author: {name, email, date}}]` (the git layer
    computes it); `before`/`after` are 40-hex shas with forty zeros for a created/deleted ref.
    """
    now = timezone.now()
    values = {"repo": repo.pk, "now": now}
    statement(("repos.pushed_at",), lambda: Update(Repository.objects.filter(pk=Param("repo", repo.pk)),
                                                   pushed_at=Param("now", now), updated_at=Param("now", now)),
              values).execute(values)  # every push: compiled once per process
    repo.pushed_at = repo.updated_at = now
    event = emit_event(
        type="push", actor=actor, repository=repo,
        payload={"ref": ref, "before": before, "after": after, "commits": commits or []},
    )
    signals.ref_updated.send(sender=Repository, repo=repo, ref=ref, before=before, after=after, actor=actor,
                             event=event)
    return event
