"""Pull requests (docs/api.md §9): an `issues.Issue` row (`is_pull_request=True`, sharing numbers, labels,
assignees and comments) plus this row holding the git side."""

from django.db import models


class PullRequest(models.Model):
    issue = models.OneToOneField("issues.Issue", on_delete=models.CASCADE, related_name="pull")
    # Denormalised from the issue so the push hook finds "open PRs on this branch" with one index.
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="pulls")
    head_ref = models.CharField(max_length=255)
    head_sha = models.CharField(max_length=40)
    base_ref = models.CharField(max_length=255)
    base_sha = models.CharField(max_length=40)
    draft = models.BooleanField(default=False)
    merged = models.BooleanField(default=False)
    mergeable = models.BooleanField(null=True, blank=True)  # None while unknown
    commits = models.PositiveIntegerField(default=0)
    additions = models.PositiveIntegerField(default=0)
    deletions = models.PositiveIntegerField(default=0)
    changed_files = models.PositiveIntegerField(default=0)
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    merge_commit_sha = models.CharField(max_length=40, null=True, blank=True)
    # Code owners of the changed files at the base (docs/api.md §16), kept current as head and base move:
    # one list of lower-cased logins per distinct owner set; each set needs one approval from its members.
    code_owners = models.JSONField(default=list, blank=True)
    # Problems found in the CODEOWNERS file read: [{path, line, message}] (shown, never a 500).
    codeowners_errors = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["repository", "head_ref"]),
            models.Index(fields=["repository", "base_ref"]),
            models.Index(fields=["repository", "draft"]),
        ]

    def __str__(self):
        return f"PR {self.issue_id} {self.head_ref} -> {self.base_ref}"

    def api_path(self) -> str:
        """The path under /api/v1 (serializers and event payloads): its issue row's, which knows it is a PR."""
        return self.issue.api_path(self.repository)

    @property
    def is_open(self) -> bool:
        return self.issue.state == "open"


class Review(models.Model):
    """A review of a pull request (docs/api.md §16). A user's latest APPROVED or CHANGES_REQUESTED review is
    their verdict; DISMISSED is a verdict that no longer counts."""

    class State(models.TextChoices):
        APPROVED = "APPROVED"
        CHANGES_REQUESTED = "CHANGES_REQUESTED"
        COMMENTED = "COMMENTED"
        DISMISSED = "DISMISSED"

    VERDICTS = (State.APPROVED, State.CHANGES_REQUESTED, State.DISMISSED)

    pull = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey("accounts.Actor", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=17, choices=State.choices)
    body = models.TextField(blank=True, default="")
    commit_id = models.CharField(max_length=40)
    submitted_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dismissal_message = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["pull", "user", "id"])]

    def __str__(self):
        return f"review {self.pk} {self.state} on PR {self.pull_id}"


class ReviewRequest(models.Model):
    """A reviewer asked to review a pull request; answered (removed) when they submit a review."""

    pull = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="review_requests")
    reviewer = models.ForeignKey("accounts.Actor", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pull", "reviewer"], name="review_request_unique")]

    def __str__(self):
        return f"review of PR {self.pull_id} requested from {self.reviewer_id}"


class BranchProtection(models.Model):
    """A branch's protection rule (docs/api.md §16): one per branch name, binding everyone."""

    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="protections")
    branch = models.CharField(max_length=255)
    required_approving_review_count = models.PositiveSmallIntegerField(default=0)
    dismiss_stale_reviews = models.BooleanField(default=False)
    require_code_owner_reviews = models.BooleanField(default=False)
    require_pipeline = models.BooleanField(default=False)
    require_pull_request = models.BooleanField(default=False)
    allow_force_pushes = models.BooleanField(default=False)
    allow_deletions = models.BooleanField(default=False)
    agent_approval_min_trust = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()

    FIELDS = (
        "required_approving_review_count", "dismiss_stale_reviews", "require_code_owner_reviews", "require_pipeline",
        "require_pull_request", "allow_force_pushes", "allow_deletions", "agent_approval_min_trust",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "branch"], name="branch_protection_unique")]

    def __str__(self):
        return f"protection of {self.branch} in repo {self.repository_id}"

    def as_json(self) -> dict:
        return {field: getattr(self, field) for field in self.FIELDS}
