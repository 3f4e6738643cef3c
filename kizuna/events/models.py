"""The event log: one row per change, appended in the change's own transaction (docs/api.md §13)."""

from urllib.parse import urlsplit, urlunsplit

from django.db import models
from django.db.models import Q
from django.utils import timezone

from kizuna.statements import Param, statement


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=64)
    repository = models.ForeignKey("repos.Repository", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    namespace = models.ForeignKey("accounts.Namespace", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    actor = models.ForeignKey("accounts.Actor", on_delete=models.PROTECT, related_name="events")
    on_behalf_of = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The identity the change was made *to* (an agent updated, a member added): lets an agent's audit
    # trail show changes to it as well as its own actions.
    subject = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["repository", "-id"]),
            models.Index(fields=["repository", "type", "-id"]),
            models.Index(fields=["actor", "-id"]),
            models.Index(fields=["subject", "-id"]),
            models.Index(fields=["namespace", "-id"]),
            models.Index(fields=["repository", "actor", "-id"]),  # GET …/events?actor=
        ]

    def __str__(self):
        return f"#{self.id} {self.type}"

    @property
    def webhook_event(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def webhook_action(self) -> str | None:
        parts = self.type.split(".", 1)
        return parts[1] if len(parts) == 2 else None


REDACTED = "********"


def redact_url(url: str) -> str:
    """`url` with the password of its user info replaced by ******** (a lone user name too: it is often
    a token). The only form of a hook's URL that any answer, event, payload, log line or admin page shows;
    sending this form back in a PATCH keeps the stored URL (kizuna.events.services.webhook_update)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: show it only if it cannot hold credentials
        return REDACTED if "@" in url else url
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, _ = userinfo.partition(":")
    shown = f"{user}:{REDACTED}" if has_password else REDACTED
    return urlunsplit(parts._replace(netloc=f"{shown}@{hostport}"))


class WebhookManager(models.Manager):
    def of_event_owners(self, namespace_id: int | None, repository_id: int | None):
        """(statement, values): the active hooks an event of this namespace and repository may go to
        (its repository's and its organisation's), compiled once per shape (kizuna.statements). The
        webhook receiver reads them; the event log asks, in the event's own INSERT, whether any exist."""
        values = {"namespace": namespace_id, "repository": repository_id}

        def build():
            scope = Q(namespace_id=Param("namespace", namespace_id)) if namespace_id else Q(pk__in=[])
            if repository_id:
                scope |= Q(repository_id=Param("repository", repository_id))
            return self.get_queryset().filter(scope, active=True)

        # A manager's method, not a queryset's: the kept statement is this filter alone, whatever a
        # queryset it were called on had been filtered by.
        shape = ("events.hooks_of", namespace_id is not None, repository_id is not None)
        return statement(shape, build, values, using=self.db), values


class Webhook(models.Model):
    """A URL that receives signed POSTs for the events it subscribes to (docs/api.md §12).

    Exactly one of `repository` (a repository hook) and `namespace` (an organisation hook) is set.
    The secret is stored as given (it keys the HMACs) and never rendered; `previous_secret` keeps
    signing beside the new one for a day after a rotation (Standard Webhooks' several `v1,` entries).
    """

    repository = models.ForeignKey("repos.Repository", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks")
    namespace = models.ForeignKey("accounts.Namespace", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    content_type = models.CharField(max_length=16, default="json")
    secret = models.CharField(max_length=255, blank=True, default="")
    previous_secret = models.CharField(max_length=255, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.Actor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # `scheme://host[:port]` the API was reached at when the hook was created: the root of the URLs
    # in its deliveries unless KIZUNA_PUBLIC_URL is set (a worker has no request to take one from).
    # Empty for hooks created before it was recorded (their URLs stay paths until a PATCH fills it).
    api_root = models.CharField(max_length=300, blank=True, default="")
    # A delivery that exhausts its retries with no success since it was created deactivates the hook.
    last_success_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = WebhookManager()

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(repository__isnull=False, namespace__isnull=True)
                           | models.Q(repository__isnull=True, namespace__isnull=False)),
                name="webhook_repo_xor_org",
            )
        ]
        indexes = [
            models.Index(fields=["repository", "active"]),
            models.Index(fields=["namespace", "active"]),
        ]

    def __str__(self):
        return f"hook #{self.pk} → {self.redacted_url}"

    def signing_secrets(self) -> list[str]:
        secrets = [self.secret] if self.secret else []
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > timezone.now():
            secrets.append(self.previous_secret)
        return secrets

    def wants(self, event_name: str) -> bool:
        return "*" in self.events or event_name in self.events


class WebhookDelivery(models.Model):
    """One event (or ping, or redelivery) to one hook. Written in the event's own transaction.

    `next_attempt_at` is both the retry schedule and the claim: a worker claims a due row by moving
    it forward by the lease (a compare-and-swap), so a worker that dies mid-delivery only delays it.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # every retry failed

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    guid = models.UUIDField(db_index=True)  # X-Kizuna-Delivery / webhook-id: the same on every retry
    event_name = models.CharField(max_length=32)
    action = models.CharField(max_length=32, null=True, blank=True)
    redelivery = models.BooleanField(default=False)
    body = models.TextField()  # the exact bytes sent (UTF-8 JSON), so retries sign the same body
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempt = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    success = models.BooleanField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)  # the last attempt's time
    error = models.CharField(max_length=500, blank=True, default="")
    request_headers = models.JSONField(default=dict)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["webhook", "-id"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"delivery {self.guid} ({self.event_name}, {self.state})"
