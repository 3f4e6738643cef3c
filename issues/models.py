"""Issues, labels, milestones and comments (docs/api.md §8).

A pull request is an Issue row with `is_pull_request=True` plus a `pulls.PullRequest` row holding the
git side (as on GitHub): numbers, labels, assignees, milestones and comments are shared, not copied.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

color_validator = RegexValidator(r"^[0-9a-fA-F]{6}$", "6 hex digits, no #")


class Label(models.Model):
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    color = models.CharField(max_length=6, validators=[color_validator])
    description = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint("repository", Lower("name"), name="label_name_ci_unique_per_repo")]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    class State(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="milestones")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=256)
    description = models.TextField(blank=True, default="")
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    due_on = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "number"], name="milestone_number_unique")]
        indexes = [models.Index(fields=["repository", "state", "number"])]

    def __str__(self):
        return self.title

    def api_path(self, repository=None) -> str:
        """The path under /api/v1 (serializers and event payloads); `repository` saves the lookup."""
        return f"/repos/{(repository or self.repository).full_name}/milestones/{self.number}"


class Issue(models.Model):
    class State(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    class StateReason(models.TextChoices):
        COMPLETED = "completed"
        NOT_PLANNED = "not_planned"
        REOPENED = "reopened"

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField()
    is_pull_request = models.BooleanField(default=False)
    title = models.CharField(max_length=256)
    body = models.TextField(blank=True, default="")
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    state_reason = models.CharField(max_length=12, choices=StateReason.choices, null=True, blank=True)
    author = models.ForeignKey("accounts.Actor", on_delete=models.PROTECT, related_name="+")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="issues")
    labels = models.ManyToManyField(Label, blank=True, related_name="issues", through="IssueLabel")
    assignees = models.ManyToManyField("accounts.Actor", blank=True, related_name="assigned_issues")
    comments_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "number"], name="issue_number_unique")]
        indexes = [
            models.Index(fields=["repository", "is_pull_request", "state", "created_at"]),
            models.Index(fields=["repository", "is_pull_request", "state", "updated_at"]),
            models.Index(fields=["repository", "is_pull_request", "state", "comments_count"]),
            models.Index(fields=["repository", "is_pull_request", "author"]),
            models.Index(fields=["repository", "is_pull_request", "milestone"]),
            # state=all: the sorts without the state column in front.
            models.Index(fields=["repository", "is_pull_request", "created_at"]),
            models.Index(fields=["repository", "is_pull_request", "updated_at"]),
            models.Index(fields=["repository", "is_pull_request", "comments_count"]),
            # Milestone counts (open_issues / closed_issues).
            models.Index(fields=["milestone", "state"]),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    def api_path(self, repository=None) -> str:
        """The path under /api/v1 (a pull request's is the pull request's); `repository` saves the lookup."""
        kind = "pulls" if self.is_pull_request else "issues"
        return f"/repos/{(repository or self.repository).full_name}/{kind}/{self.number}"


class IssueLabel(models.Model):
    """The link of `Issue.labels`, carrying copies of its issue's `state`, `is_pull_request` and
    `created_at`: the issue list filtered by labels and a state (docs/benchmarks.md "Issues") then reads
    its page and its count off one index range instead of probing the issues. No default: every link is written with its issue's values
    (`issues.services.label_link_fields`), and issues.services rewrites the copy in the transaction
    that changes an issue's state (`copy_state_to_label_links`), pull requests' included."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    issue_state = models.CharField(max_length=6, choices=Issue.State.choices)
    is_pull_request = models.BooleanField()
    issue_created_at = models.DateTimeField()  # never changes after the issue is opened

    class Meta:
        db_table = "issues_issue_labels"  # the table the auto-created link had (migration 0003)
        unique_together = [("issue", "label")]
        # The count reads a prefix of it; the default sort (created) reads the page in its order.
        indexes = [models.Index(fields=["label", "is_pull_request", "issue_state", "issue_created_at", "issue"],
                                name="issue_label_state_idx")]

    def __str__(self):
        return f"{self.label_id} on {self.issue_id}"


class Comment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    author = models.ForeignKey("accounts.Actor", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["issue", "created_at"])]

    def __str__(self):
        return f"comment {self.pk} on {self.issue_id}"

    def api_path(self, repository=None) -> str:
        """The path under /api/v1 (pull request comments too); `repository` saves the lookup."""
        return f"/repos/{(repository or self.issue.repository).full_name}/issues/comments/{self.pk}"
