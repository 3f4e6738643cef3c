"""repos.git.HttpBackend: one git run per smart HTTP request — the body copied to git's stdin (at once
when it fits the pipe, else by a thread), one watchdog thread per process for every run's deadline."""

import threading
import time

import pytest

from repos import git

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo(world, make_repo):
    return make_repo(world.org, "backend", visibility="private", auto_init=True)


def run(repo, body, **kwargs):
    return git.HttpBackend(repo_id=repo.pk, service="upload-pack", advertise=False, body_chunks=body,
                           hooks_dir=git.repo_path(repo.pk), **kwargs)


def pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def watchdogs():
    return [t for t in threading.enumerate() if t.name == "git-watchdog"]


def test_a_small_body_is_written_without_a_thread_and_answered(repo):
    main = git.branch_sha(repo.pk, "main")
    backend = run(repo, iter([pkt(f"want {main}\n".encode()), b"0000", pkt(b"done\n")]))
    try:
        assert backend._writer is None
        answer = b""
        while chunk := backend.read():
            answer += chunk
        assert backend.finish() == 0 and answer.startswith(b"0008NAK\n") and b"PACK" in answer
    finally:
        backend.close()


def test_a_body_longer_than_the_pipe_goes_through_a_thread(repo):
    main = git.branch_sha(repo.pk, "main")
    # upload-pack reads the whole request before answering: many `have` lines of one known commit.
    haves = b"".join(pkt(f"have {main}\n".encode()) for _ in range(5000))  # ~250 KB, more than a pipe holds
    backend = run(repo, iter([pkt(f"want {main}\n".encode()), b"0000", haves, pkt(b"done\n")]))
    try:
        assert backend._writer is not None
        answer = b""
        while chunk := backend.read():
            answer += chunk
        assert backend.finish() == 0 and b"PACK" in answer
    finally:
        backend.close()


def test_one_watchdog_thread_kills_runs_past_their_deadline(repo):
    stalled = threading.Event()

    main = git.branch_sha(repo.pk, "main")

    def body():  # more than the pipe holds, then a client that stops sending before its `done`
        yield pkt(f"want {main}\n".encode()) + b"0000"
        yield pkt(f"have {main}\n".encode()) * 2000
        stalled.wait(30)

    slow = run(repo, body(), timeout=0.5)
    quick = [run(repo, iter([b"0000"])) for _ in range(3)]
    try:
        for backend in quick:
            backend.finish()
        assert len(watchdogs()) == 1
        assert not any(isinstance(t, threading.Timer) for t in threading.enumerate())
        deadline = time.monotonic() + 20
        while not slow.timed_out and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.timed_out and slow.proc.wait(timeout=10) != 0
        assert not any(backend.timed_out for backend in quick)
    finally:
        stalled.set()
        slow.close()
        for backend in quick:
            backend.close()


def test_a_body_that_breaks_while_read_leaves_git_a_truncated_request(repo):
    def body():
        yield b"0000"
        raise ValueError("bad gzip")

    backend = run(repo, body())
    try:
        backend.finish()
        assert isinstance(backend.write_error, ValueError)
    finally:
        backend.close()


def test_only_the_end_of_what_git_wrote_to_stderr_is_read(repo):
    """What git writes to stderr has no bound (fsck warns once per faulty object), so the log gets its end only."""
    backend = run(repo, iter([pkt(b"want " + b"1" * 40 + b"\n"), b"0000", pkt(b"done\n")]))
    try:
        assert backend.finish() != 0
        assert "not our ref" in backend.error_output()
        backend.stderr.seek(0, 2)
        backend.stderr.write(b"w" * 1_000_000 + b"the end")
        backend.stderr.flush()
        reads = []

        class Spy:  # what error_output asks of the file
            def __init__(self, real):
                self.real = real

            def __getattr__(self, name):
                return getattr(self.real, name)

            def read(self, size=-1):
                reads.append(size)
                return self.real.read(size)

        real, backend.stderr = backend.stderr, Spy(backend.stderr)
        try:
            tail = backend.error_output()
        finally:
            backend.stderr = real
        assert len(tail) == 2000 and tail.endswith("the end")
        assert reads and all(0 <= size <= 2000 for size in reads)  # never the whole file
    finally:
        backend.close()
