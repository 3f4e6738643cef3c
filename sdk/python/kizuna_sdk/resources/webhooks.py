"""Repository and organisation webhooks and their deliveries. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Delivery, Webhook
from .base import ResourceGroup, body, seg

if TYPE_CHECKING:
    from ..transport import Paginator


class Webhooks(ResourceGroup):
    """Repository hooks (`org, repo`) or organisation hooks (`org, None`)."""

    def _base(self, org: str, repo: str | None) -> str:
        return f"{self._repo(org, repo)}/webhooks" if repo else f"/orgs/{seg(org)}/webhooks"

    def list(self, org: str, repo: str | None = None, *, per_page: int | None = 100) -> Paginator[Webhook]:
        return self._client.paginate(self._base(org, repo), {"per_page": per_page}, Webhook)

    def create(
        self, org: str, repo: str | None = None, *, url: str, events: list[str], secret: str | None = None,
        content_type: str = "json", active: bool | None = None,
    ) -> Webhook:
        data = body(url=url, events=list(events), secret=secret, content_type=content_type, active=active)
        return self._client.request("POST", self._base(org, repo), json=data, cls=Webhook)

    def get(self, org: str, repo: str | None, hook_id: int) -> Webhook:
        return self._client.request("GET", f"{self._base(org, repo)}/{seg(hook_id)}", cls=Webhook)

    def update(self, org: str, repo: str | None, hook_id: int, **fields: Any) -> Webhook:
        """PATCH: url, secret, events, active, content_type."""
        return self._client.request("PATCH", f"{self._base(org, repo)}/{seg(hook_id)}", json=fields, cls=Webhook)

    def delete(self, org: str, repo: str | None, hook_id: int) -> None:
        self._client.request("DELETE", f"{self._base(org, repo)}/{seg(hook_id)}")

    def ping(self, org: str, repo: str | None, hook_id: int) -> None:
        self._client.request("POST", f"{self._base(org, repo)}/{seg(hook_id)}/ping")

    def deliveries(self, org: str, repo: str | None, hook_id: int, *, per_page: int | None = 100) -> Paginator[Delivery]:
        return self._client.paginate(f"{self._base(org, repo)}/{seg(hook_id)}/deliveries", {"per_page": per_page}, Delivery)

    def delivery(self, org: str, repo: str | None, hook_id: int, delivery_id: int) -> Delivery:
        return self._client.request("GET", f"{self._base(org, repo)}/{seg(hook_id)}/deliveries/{seg(delivery_id)}", cls=Delivery)

    def redeliver(self, org: str, repo: str | None, hook_id: int, delivery_id: int) -> None:
        self._client.request("POST", f"{self._base(org, repo)}/{seg(hook_id)}/deliveries/{seg(delivery_id)}/redeliver")
