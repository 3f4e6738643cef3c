"""The runner's log streamer: a job's first output goes out at once, what follows is batched."""

import contextlib
import threading

from kizuna_sdk.runner import reporting


class FakeApi:
    def __init__(self):
        self.uploads: list[bytes] = []
        self.uploaded = threading.Event()

    def _client(self):
        return contextlib.nullcontext(None)

    def append_log(self, client, job_id, offset, data):
        self.uploads.append(data)
        self.uploaded.set()
        return offset + len(data)


def test_first_output_is_sent_at_once_then_batched(monkeypatch):
    monkeypatch.setattr(reporting, "LOG_FLUSH_SECONDS", 3600)  # a batch would wait an hour
    api = FakeApi()
    out = reporting.LogStreamer(api, job_id=1)
    out.write(b"job starts\n")
    assert api.uploaded.wait(30), "the first line waited for the batch interval"
    lines = [f"line {i}\n".encode() for i in range(50)]
    for line in lines:
        out.write(line)
    out.close()
    assert api.uploads[0] == b"job starts\n"
    assert b"".join(api.uploads) == b"job starts\n" + b"".join(lines)
    # Right after an upload output waits for the batch (at most the first upload's drain takes some
    # of it), then close sends the rest: not one upload per line.
    assert len(api.uploads) <= 3
