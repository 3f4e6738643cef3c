"""The agent job protocol (docs/api.md §11): every HTTP call kizuna-runner makes goes through `JobApi`,
over the SDK's `KizunaClient.request` (errors are the SDK's `KizunaError` subclasses)."""

from __future__ import annotations

from .. import __version__
from ..client import KizunaClient
from ..errors import ConflictError, KizunaError, NotFoundError


class JobGone(Exception):
    """The server no longer gives this runner the job (re-queued, or another agent holds it)."""


def is_transient(exc: KizunaError) -> bool:
    """No answer, a timeout, 429 or a 5xx: worth trying again later."""
    return exc.status is None or exc.status == 429 or exc.status >= 500


class JobApi:
    """The agent job protocol, over the SDK's transport (`KizunaClient.request`)."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0):
        self.url, self.token, self.timeout = url, token, timeout

    def _client(self, timeout: float | None = None) -> KizunaClient:
        # One client per calling thread (the heartbeat and log threads have their own). Every job call
        # is a POST, which the SDK never retries; retry=False says so explicitly.
        return KizunaClient(self.url, self.token, timeout=timeout or self.timeout, retry=False,
                            user_agent=f"kizuna-runner/{__version__}")

    def claim(self, wait: int) -> dict | None:
        with self._client(timeout=wait + self.timeout) as client:
            job = client.request("POST", "/agent/jobs/claim", json={"wait": wait})
        return job.to_dict() if job is not None else None  # None: 204, no job

    def heartbeat(self, job_id: int, client: KizunaClient | None = None) -> str:
        own = client is None
        client = client or self._client()
        try:
            return client.request("POST", f"/agent/jobs/{job_id}/heartbeat")["status"]
        except NotFoundError:
            raise JobGone() from None
        finally:
            if own:
                client.close()

    def append_log(self, client: KizunaClient, job_id: int, offset: int, data: bytes) -> int:
        """Send a chunk at `offset`; returns the server's new size (resynchronising on 416)."""
        try:
            client.request(
                "POST", f"/agent/jobs/{job_id}/log", content=data,
                headers={"Content-Type": "text/plain; charset=utf-8", "X-Log-Offset": str(offset)},
            )
        except KizunaError as exc:
            if exc.status == 416:
                raise LogOffsetMismatch(int(exc.details["offset"])) from None
            if exc.status == 404:
                raise JobGone() from None
            if exc.status == 409:
                return offset + len(data)  # finished meanwhile; nothing more to keep
            raise
        return int(client.last_response.headers.get("X-Log-Offset", offset + len(data)))

    def finish(self, job_id: int, status: str, exit_code: int | None) -> bool:
        with self._client() as client:
            try:
                client.request("POST", f"/agent/jobs/{job_id}/finish", json={"status": status, "exit_code": exit_code})
            except (NotFoundError, ConflictError):
                return False
        return True


class LogOffsetMismatch(Exception):
    def __init__(self, offset: int):
        self.offset = offset
