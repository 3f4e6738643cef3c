"""Repositories (docs/api.md §7). The git data lives under KIZUNA_GIT_ROOT, keyed by the row's id."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from kizuna.accounts.models import Namespace
from kizuna.statements import Param, statement

REPO_NAME_RE = r"^[A-Za-z0-9._-]{1,100}$"


def validate_repo_name(value: str) -> None:
    import re

    if not re.fullmatch(REPO_NAME_RE, value or ""):
        raise ValidationError("must be 1-100 of A-Z a-z 0-9 . _ -")
    if value in {".", ".."}:
        raise ValidationError("may not be . or ..")
    if value.lower().endswith(".git"):
        raise ValidationError("may not end in .git")


class Visibility(models.TextChoices):
    PUBLIC = "public"
    PRIVATE = "private"


class RepositoryManager(models.Manager):
    def locked(self, pk: int) -> "Repository":
        """The repository row, locked until the transaction ends, with its namespace (not locked).

        FOR NO KEY UPDATE, as PostgreSQL's own UPDATE of a non-key column takes: writers that lock the
        repository still queue behind each other, but a row that merely references it (an event, an
        issue label's link) is not held up by its foreign-key check. A plain FOR UPDATE blocked those
        checks at COMMIT and made a labelling and a pull request's close deadlock
        (tests/pulls/test_concurrency.py)."""
        return self.select_for_update(no_key=True, of=("self",)).select_related("namespace").get(pk=pk)

    def by_path(self, org: str, name: str):
        """The repository at `org/name`, matched case-insensitively (the unique index is on LOWER(name)),
        with its namespace; None if there is none. Visibility is the caller's business.

        Every repository-scoped request starts here: the statement is compiled once (kizuna.statements)."""
        if "\x00" in org or "\x00" in name:
            return None  # no name holds NUL, and PostgreSQL refuses it in a query (a 500, not a 404)
        values = {"org": org.lower(), "name": name.lower()}

        def build():  # from the plain manager: a related manager's own filter must not enter the SQL
            return self.model._base_manager.select_related("namespace").filter(
                Exact(Lower("namespace__login"), Param("org", values["org"])),
                Exact(Lower("name"), Param("name", values["name"])))[:1]  # no ORDER BY: the match is unique

        found = statement(("repos.by_path",), build, values, using=self.db).instances(values)
        return found[0] if found else None


class Repository(models.Model):
    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="repositories")
    name = models.CharField(max_length=100, validators=[validate_repo_name])
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(max_length=7, choices=Visibility.choices, default=Visibility.PRIVATE)
    default_branch = models.CharField(max_length=255, default="main")
    archived = models.BooleanField(default=False)
    open_issues_count = models.PositiveIntegerField(default=0)
    open_pulls_count = models.PositiveIntegerField(default=0)
    # Issues (pull requests excluded) in every state, raised in the transaction that opens one (issues are
    # never deleted): the issue list's total without counting rows (issues.reads.issue_list_total).
    issues_count = models.PositiveIntegerField(default=0)
    # Per-repo counters, bumped with UPDATE … SET n = n + 1 (issues and PRs share `last_number`).
    last_number = models.PositiveIntegerField(default=0)
    last_pipeline_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    pushed_at = models.DateTimeField(null=True, blank=True)

    objects = RepositoryManager()

    class Meta:
        verbose_name_plural = "repositories"
        constraints = [models.UniqueConstraint("namespace", Lower("name"), name="repo_name_ci_unique_per_namespace")]
        indexes = [
            models.Index(fields=["namespace", "created_at"]),
            models.Index(fields=["namespace", "updated_at"]),
            models.Index(fields=["namespace", "pushed_at"]),
            models.Index(fields=["namespace", "name"]),
            models.Index(fields=["visibility"]),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.namespace.login}/{self.name}"

    @property
    def private(self) -> bool:
        return self.visibility == Visibility.PRIVATE

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC
