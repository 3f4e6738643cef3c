"""A job's log: the runner appends it in chunks; readers take it whole or by byte range (docs/api.md §11)."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import transaction

from kizuna.api.errors import Conflict, RangeNotSatisfiable
from kizuna.api.fields import is_digits

from ..models import Job, JobLogChunk, Status
from .jobs import held_job


def max_log_bytes() -> int:
    return int(settings.KIZUNA_JOB_LOG_MAX_BYTES)


def job_log_append(*, agent, job_id: int, offset: int, data: bytes) -> int:
    """Append a chunk at `offset` (the bytes already accepted); returns the new size."""
    with transaction.atomic():
        job = held_job(agent, job_id, lock=True)
        if job.status not in (Status.RUNNING, Status.CANCELED):
            raise Conflict(f"Job already finished ({job.status})", details={"status": job.status})
        if offset != job.log_size:
            raise RangeNotSatisfiable(f"Log offset must be {job.log_size}", details={"offset": job.log_size})
        if not data:
            return job.log_size
        end = job.log_size + len(data)
        if end > max_log_bytes():
            from kizuna.api.errors import PayloadTooLarge

            raise PayloadTooLarge("The job's log is full", details={"limit_bytes": max_log_bytes()})
        JobLogChunk.objects.create(job=job, offset=job.log_size, end=end, data=bytes(data))
        Job.objects.filter(pk=job.pk).update(log_size=end)
        return end


def job_log_read(job: Job, start: int = 0, end: int | None = None) -> bytes:
    """Bytes [start, end) of a job's log (end: the current size)."""
    size = job.log_size
    end = size if end is None else min(end, size)
    if start >= end:
        return b""
    parts = []
    for chunk in JobLogChunk.objects.filter(job=job, end__gt=start, offset__lt=end).order_by("offset"):
        data = bytes(chunk.data)
        parts.append(data[max(0, start - chunk.offset): end - chunk.offset])
    return b"".join(parts)


# Byte positions larger than this are past the end of any log; longer digit strings are clamped to it
# rather than converted (int() refuses more than 4300 digits, and nothing needs them).
_POSITION_CAP = 10**18
_RANGE_RE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)  # [0-9], not \d: ASCII digits only


def parse_position(text: str | None) -> int | None:
    """A byte position written in ASCII digits (surrounding blanks allowed); None for anything else."""
    digits = (text or "").strip(" \t")
    if not is_digits(digits):
        return None
    digits = digits.lstrip("0") or "0"
    return _POSITION_CAP if len(digits) > len(str(_POSITION_CAP)) else min(int(digits), _POSITION_CAP)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """A single `Range` of a `size`-byte log → (start, end exclusive); None to send the whole log.

    `bytes=N-`, `bytes=N-M` and the suffix form `bytes=-N` (the last N bytes) are served. Anything else
    (other units, several ranges, M < N, garbage) is ignored, as RFC 9110 §14.2 allows. A range that
    selects nothing — a start at or past the end (`bytes=0-` of an empty log among them) or an empty
    suffix — raises RangeNotSatisfiable, which carries `Content-Range: bytes */<size>`.
    """
    match = _RANGE_RE.fullmatch((header or "").strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = parse_position(match.group(1)), parse_position(match.group(2))
    if first is None:  # suffix: the last `last` bytes
        if last == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(0, size - last), size
    if last is not None and last < first:
        return None
    if first >= size:
        raise _unsatisfiable(size)
    return first, size if last is None else min(last + 1, size)


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(f"The log has {size} bytes", details={"size": size},
                               headers={"Content-Range": f"bytes */{size}"})


def job_log_etag(job: Job) -> str:
    """The strong ETag of a job's whole log, the same on 200 and 206 answers (RFC 9110 §15.3.7).

    A log only grows (chunks are appended at its end and never rewritten), so the job and the log's size
    name its bytes exactly: no need to read and hash up to 64 MiB to answer a Range request.
    """
    return '"' + hashlib.md5(f"job-log:{job.pk}:{job.log_size}".encode(), usedforsecurity=False).hexdigest() + '"'
