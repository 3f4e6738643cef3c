"""What a running job sends back from its own threads: the output in chunks with byte offsets
(`LogStreamer`), and heartbeats that notice a cancel (`Heartbeat`)."""

from __future__ import annotations

import logging
import threading
import time

from ..client import KizunaClient
from ..errors import KizunaError
from .api import JobApi, JobGone, LogOffsetMismatch

log = logging.getLogger("kizuna.runner")

LOG_CHUNK_BYTES = 64 * 1024
LOG_FLUSH_SECONDS = 0.5


class LogStreamer:
    """Buffers output and ships it in chunks with byte offsets, from its own thread.

    Output after a quiet spell (the job's first line above all) goes out at once, so whoever watches
    the log sees the job start; while output keeps coming it is batched, one upload per LOG_FLUSH_SECONDS
    (or per LOG_CHUNK_BYTES), not one per line.
    """

    def __init__(self, api: JobApi, job_id: int, offset: int = 0):
        self.api, self.job_id = api, job_id
        self.buffer = bytearray()
        self.sent = offset  # bytes the server has accepted (earlier attempts' output included)
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.closed = False
        self.last_flush = float("-inf")  # time.monotonic() of the last upload (none yet)
        self.thread = threading.Thread(target=self._run, name=f"log-{job_id}", daemon=True)
        self.thread.start()

    def write(self, data: bytes) -> None:
        with self.lock:
            quiet = not self.buffer and time.monotonic() - self.last_flush >= LOG_FLUSH_SECONDS
            self.buffer += data
            if quiet or len(self.buffer) >= LOG_CHUNK_BYTES:
                self.wake.set()

    def _flush(self, client: KizunaClient) -> None:
        while True:
            with self.lock:
                chunk = bytes(self.buffer[:LOG_CHUNK_BYTES])
            if not chunk:
                return
            self.last_flush = time.monotonic()
            try:
                new = self.api.append_log(client, self.job_id, self.sent, chunk)
            except LogOffsetMismatch as exc:
                if exc.offset == self.sent + len(chunk):  # an earlier try of this very chunk landed
                    with self.lock:
                        del self.buffer[:len(chunk)]
                self.sent = exc.offset  # otherwise carry on from where the server is
                continue
            except JobGone:
                with self.lock:
                    self.buffer.clear()
                return
            with self.lock:
                del self.buffer[:len(chunk)]
            self.sent = new

    def _run(self) -> None:
        with self.api._client() as client:
            while True:
                self.wake.wait(LOG_FLUSH_SECONDS)
                self.wake.clear()
                try:
                    self._flush(client)
                except KizunaError as exc:
                    log.warning("log upload failed (will retry): %s", exc)
                if self.closed:
                    try:
                        self._flush(client)
                    except KizunaError:
                        pass
                    return

    def close(self) -> None:
        self.closed = True
        self.wake.set()
        self.thread.join(timeout=60)


class Heartbeat:
    """Heartbeats in the background; sets `stop` when the job was canceled or taken away."""

    def __init__(self, api: JobApi, job_id: int, interval: float):
        self.api, self.job_id, self.interval = api, job_id, interval
        self.stop = threading.Event()
        self.done = threading.Event()
        self.reason = ""
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.api._client() as client:
            while not self.done.wait(self.interval):
                try:
                    status = self.api.heartbeat(self.job_id, client)
                except JobGone:
                    self.reason = "gone"
                    self.stop.set()
                    return
                except KizunaError as exc:
                    log.warning("heartbeat failed: %s", exc)
                    continue
                if status != "running":
                    self.reason = status
                    self.stop.set()
                    return

    def interrupt(self, reason: str) -> None:
        """Stop the running step now (the runner is stopping): as a cancel does, with `reason`."""
        self.reason = reason
        self.stop.set()

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)
