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
