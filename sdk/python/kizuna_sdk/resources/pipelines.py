"""Pipelines and their job logs. Paths follow docs/api.md exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..models import Pipeline
from .base import ResourceGroup, body, seg

if TYPE_CHECKING:
    from ..transport import Paginator


class Pipelines(ResourceGroup):
    def list(
        self, org: str, repo: str, *, status: str | None = None, ref: str | None = None, sha: str | None = None,
        trigger: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Pipeline]:
        params = {"status": status, "ref": ref, "sha": sha, "trigger": trigger, "per_page": per_page}
        return self._client.paginate(f"{self._repo(org, repo)}/pipelines", params, Pipeline)

    def trigger(self, org: str, repo: str, *, ref: str | None = None, variables: Mapping[str, str] | None = None) -> Pipeline:
        data = body(ref=ref, variables=dict(variables) if variables is not None else None)
        return self._client.request("POST", f"{self._repo(org, repo)}/pipelines", json=data, cls=Pipeline)

    def get(self, org: str, repo: str, pipeline_id: int) -> Pipeline:
        return self._client.request("GET", f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}", cls=Pipeline)

    def cancel(self, org: str, repo: str, pipeline_id: int) -> Pipeline | None:
        return self._client.request("POST", f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}/cancel", cls=Pipeline)

    def log(self, org: str, repo: str, pipeline_id: int, job_id: int, *, offset: int | None = None) -> str:
        """A job's log as text; `offset` asks for the bytes from there on (`Range: bytes=N-`)."""
        headers = {"Accept": "text/plain"}  # offsets are bytes of the text, never of a JSON rendering
        if offset:
            headers["Range"] = f"bytes={int(offset)}-"
        url = f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}/jobs/{seg(job_id)}/log"
        text = self._client.request("GET", url, headers=headers)
        return text or ""
