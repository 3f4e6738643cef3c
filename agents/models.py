"""Agents: first-class non-human identities operated by a user (docs/api.md §10)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

AGENT_NAME_RE = r"^[a-z0-9-]{1,39}$"
agent_name_validator = RegexValidator(AGENT_NAME_RE, "1-39 of a-z, 0-9 and -")


class TrustLevel(models.IntegerChoices):
    UNTRUSTED = 0, "Untrusted"
    RESTRICTED = 1, "Restricted"
    STANDARD = 2, "Standard"
    ELEVATED = 3, "Elevated"
    AUTONOMOUS = 4, "Autonomous"


class Agent(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=39, validators=[agent_name_validator])
    description = models.TextField(blank=True, default="")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agents")
    model_family = models.CharField(max_length=100)
    model_version = models.CharField(max_length=100)
    capabilities = models.JSONField(default=list, blank=True)
    trust_level = models.PositiveSmallIntegerField(
        choices=TrustLevel.choices, default=TrustLevel.RESTRICTED, validators=[MinValueValidator(0), MaxValueValidator(4)]
    )
    reputation_score = models.FloatField(default=0.5)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    internal = models.BooleanField(default=False, help_text="Internal rate-limit tier")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_audited = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="agent_name_ci_unique")]
        indexes = [
            models.Index(fields=["operator", "created_at"]),
            models.Index(fields=["created_at"]),  # staff listing, newest first
            models.Index(fields=["trust_level"]),
            models.Index(fields=["model_family"]),
            models.Index(fields=["status"]),
            # On PostgreSQL a GIN index on `capabilities` serves `?capability=` (migration 0002).
        ]

    def __str__(self):
        return self.name

    # Agents stand in for request.user when an agent token authenticates (kizuna.api.authentication).
    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def login(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def trust_level_name(self) -> str:
        return TrustLevel(self.trust_level).label
