"""Pipelines and their jobs (docs/api.md §11). Logs are stored as append-only byte chunks per job."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"


FINAL = frozenset({Status.SUCCESS, Status.FAILED, Status.CANCELED, Status.SKIPPED})


class Trigger(models.TextChoices):
    API = "api"
    PUSH = "push"
    PULL_REQUEST = "pull_request"


class Pipeline(models.Model):
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="pipelines")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    ref = models.CharField(max_length=255)
    sha = models.CharField(max_length=40)
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    triggered_by = models.ForeignKey("accounts.Actor", on_delete=models.PROTECT, related_name="+")
    # Values are handed to the runner only (the API shows the names).
    variables = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["repository", "number"], name="pipeline_number_unique")]
        indexes = [
            models.Index(fields=["repository", "-id"], name="pipeline_repo_id"),
            models.Index(fields=["repository", "status", "-id"], name="pipeline_repo_status"),
            models.Index(fields=["repository", "ref", "-id"], name="pipeline_repo_ref"),
            models.Index(fields=["repository", "sha", "-id"], name="pipeline_repo_sha"),
            models.Index(fields=["repository", "trigger", "-id"], name="pipeline_repo_trigger"),
        ]

    def __str__(self):
        return f"pipeline #{self.number} ({self.status})"

    def api_path(self) -> str:
        """The path under /api/v1 (serializers and event payloads)."""
        return f"/repos/{self.repository.full_name}/pipelines/{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINAL

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 3)
        return None


class Job(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="jobs")
    # Denormalised from the pipeline so the claim query filters jobs by repository without a join.
    repository = models.ForeignKey("repos.Repository", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # True once every job it needs has succeeded (and its `if` held): only these are claimable.
    runnable = models.BooleanField(default=False)
    needs = models.JSONField(default=list, blank=True)
    condition = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list)
    env = models.JSONField(default=dict, blank=True)
    timeout = models.PositiveIntegerField(default=3600)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    attempt = models.PositiveSmallIntegerField(default=1)
    exit_code = models.IntegerField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    job_token = models.ForeignKey("accounts.Token", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    log_size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="job_name_unique_per_pipeline")]
        indexes = [
            # The claim query: oldest runnable pending job first.
            models.Index(fields=["id"], name="job_claimable", condition=Q(status="pending", runnable=True)),
            # The lease sweeper.
            models.Index(fields=["lease_expires_at"], name="job_running_lease", condition=Q(status="running")),
            models.Index(fields=["pipeline", "id"], name="job_pipeline"),
            models.Index(fields=["agent", "status"], name="job_agent_status"),
        ]

    def __str__(self):
        return f"job {self.name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINAL


class JobLogChunk(models.Model):
    """One accepted log chunk: bytes [offset, end) of the job's log."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_chunks")
    offset = models.BigIntegerField()
    end = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "offset"], name="job_log_chunk_offset_unique")]
        indexes = [models.Index(fields=["job", "end"], name="job_log_chunk_end")]
