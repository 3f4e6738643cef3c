"""Organisations and their members. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Member, Organization
from .base import ResourceGroup, body, seg

if TYPE_CHECKING:
    from ..transport import Paginator


class Orgs(ResourceGroup):
    def get(self, org: str) -> Organization:
        return self._client.request("GET", f"/orgs/{seg(org)}", cls=Organization)

    def create(self, login: str, *, name: str | None = None, description: str | None = None) -> Organization:
        return self._client.request("POST", "/orgs", json=body(login=login, name=name, description=description), cls=Organization)

    def members(self, org: str, *, per_page: int | None = 100) -> Paginator[Member]:
        return self._client.paginate(f"/orgs/{seg(org)}/members", {"per_page": per_page}, Member)

    def set_member(self, org: str, login: str, role: str) -> Member:
        return self._client.request("PUT", f"/orgs/{seg(org)}/members/{seg(login)}", json={"role": role}, cls=Member)

    def remove_member(self, org: str, login: str) -> None:
        self._client.request("DELETE", f"/orgs/{seg(org)}/members/{seg(login)}")
