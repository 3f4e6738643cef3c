"""The event log: one row per change, appended in the change's own transaction (API.md §13)."""

from django.db import models
from django.utils import timezone


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
