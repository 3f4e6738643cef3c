"""AI agents, their tokens and audit trails. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Agent, Event, Token
from .base import ResourceGroup, body, seg

if TYPE_CHECKING:
    from ..transport import Paginator


class Agents(ResourceGroup):
    def list(
        self, *, capability: str | None = None, trust_level: int | None = None, model_family: str | None = None,
        status: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Agent]:
        params = {"capability": capability, "trust_level": trust_level, "model_family": model_family, "status": status, "per_page": per_page}
        return self._client.paginate("/agents", params, Agent)

    def register(
        self, name: str, model_family: str, model_version: str, *, description: str | None = None,
        capabilities: list[str] | None = None, trust_level: int | None = None,
    ) -> Agent:
        """Register an agent; the result carries its `token` (shown once)."""
        data = body(
            name=name, model_family=model_family, model_version=model_version, description=description,
            capabilities=capabilities, trust_level=trust_level,
        )
        return self._client.request("POST", "/agents", json=data, cls=Agent)

    def get(self, agent_id: str) -> Agent:
        return self._client.request("GET", f"/agents/{seg(agent_id)}", cls=Agent)

    def update(self, agent_id: str, **fields: Any) -> Agent:
        """PATCH: description, capabilities, trust_level, status."""
        return self._client.request("PATCH", f"/agents/{seg(agent_id)}", json=fields, cls=Agent)

    def rotate_token(self, agent_id: str) -> Token:
        """A new token (the old one stops working at once)."""
        return self._client.request("POST", f"/agents/{seg(agent_id)}/tokens", cls=Token)

    def events(self, agent_id: str, *, per_page: int | None = 100) -> Paginator[Event]:
        return self._client.paginate(f"/agents/{seg(agent_id)}/events", {"per_page": per_page}, Event)
