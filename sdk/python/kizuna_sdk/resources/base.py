"""What every resource group shares: the transport it calls and the helpers that build paths and bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from ..transport import BaseClient


def seg(value: Any) -> str:
    """One path segment, percent-encoded (label names may hold spaces, never '/')."""
    return quote(str(value), safe="")


def subpath(value: str) -> str:
    """A path that may contain '/' (branch names, file paths)."""
    return quote(str(value).strip("/"), safe="/")


def body(**fields: Any) -> dict[str, Any]:
    """Request body from keyword arguments, leaving out the ones not given (None)."""
    return {k: v for k, v in fields.items() if v is not None}


class ResourceGroup:
    """A group of methods of `KizunaClient` (`client.repos`, `client.issues`, …) over its transport."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def _repo(self, org: str, repo: str) -> str:
        return f"/repos/{seg(org)}/{seg(repo)}"
