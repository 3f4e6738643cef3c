"""Git's side of a smart HTTP call (the view in repos/smart_http/ decides who may do what): `git
upload-pack` or `git receive-pack` run directly with `--stateless-rpc`, as `git http-backend` would run
them, without the CGI wrapper in between (one process less per request; gitprotocol-http(5)). The caller
passes the hooks that enforce its push rules."""

import fcntl
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .store import repo_path

HTTP_BACKEND_TIMEOUT_SECONDS = 3600
CHUNK = 64 * 1024
SERVICES = ("upload-pack", "receive-pack")
MAX_PKT = 65520  # LARGE_PACKET_MAX: the longest pkt-line git writes or reads
# What `git http-backend` sends with every smart answer: never cached by anything in between.
NO_CACHE_HEADERS = (("Expires", "Fri, 01 Jan 1980 00:00:00 GMT"), ("Pragma", "no-cache"),
                    ("Cache-Control", "no-cache, max-age=0, must-revalidate"))


def pkt_line(text: str) -> bytes:
    data = text.encode()
    return b"%04x%s" % (len(data) + 4, data)


_HEX = frozenset(b"0123456789abcdefABCDEF")


def pkt_length(head: bytes) -> int:
    """A pkt-line's 4-hex-digit length field, as git reads it (either case; 0 is a flush-pkt); ValueError
    for anything else — a sign, spaces or `0x`, which Python's int() would take — or for a length that
    is not 0 and outside 4..LARGE_PACKET_MAX."""
    if len(head) != 4 or not _HEX.issuperset(head):
        raise ValueError("malformed pkt-line")
    length = int(head, 16)
    if length and not 4 <= length <= MAX_PKT:
        raise ValueError("malformed pkt-line")
    return length


def protocol_version(git_protocol: str) -> int:
    """The version a server speaks for a Git-Protocol header, as git's own determination: the highest
    `version=N` among its colon-separated keys, 0 without one."""
    version = 0
    for item in git_protocol.split(":"):
        key, _, value = item.partition("=")
        if key == "version" and value in ("0", "1", "2"):  # git ignores any other value
            version = max(version, int(value))
    return version


_FLUSH = object()


def _take_pkt(buffer: bytearray):
    """The next pkt-line's payload off the front of `buffer` (consumed), `_FLUSH` for a flush-pkt, None
    while it is incomplete; ValueError for anything git does not write in a v0 stream."""
    if len(buffer) < 4:
        return None
    length = pkt_length(bytes(buffer[:4]))
    if length == 0:
        del buffer[:4]
        return _FLUSH
    if len(buffer) < length:
        return None
    payload = bytes(buffer[4:length])
    del buffer[:length]
    return payload


class ReceiveReport:
    """The refs a `git receive-pack` run updated, read off its output as it streams to the client.

    receive-pack writes its report-status (`unpack …`, one `ok <ref>` or `ng <ref> <reason>` per
    command, a flush-pkt) after its ref transaction, inside side-band channel 1 when the client asked for
    side-band-64k. `ok` is every command without an error: what git feeds its post-receive hook, except
    a deletion of a ref that did not exist, which the hook is not fed (the caller keeps the hook for
    pushes that delete). Only `expected` names are kept; at most one pkt-line is buffered per level."""

    def __init__(self, *, sideband: bool, expected):
        self.sideband = sideband
        self.expected = set(expected)
        self.updated: list[str] = []
        self.complete = False  # the report's flush-pkt was read
        self.broken = False
        self._outer = bytearray()
        self._inner = bytearray()

    def feed(self, data: bytes) -> None:
        if self.complete or self.broken or not data:
            return
        try:
            if not self.sideband:
                self._feed_report(data)
                return
            self._outer += data
            while not self.complete:
                pkt = _take_pkt(self._outer)
                if pkt is None:
                    return
                if pkt is _FLUSH:  # the end of receive-pack's output, and no report in it
                    raise ValueError("output ended before the report")
                if pkt[:1] == b"\x01":  # channel 1: the report (an empty payload is a keepalive)
                    self._feed_report(pkt[1:])
        except ValueError:
            self.broken = True

    def _feed_report(self, data: bytes) -> None:
        self._inner += data
        while not self.complete:
            pkt = _take_pkt(self._inner)
            if pkt is None:
                return
            if pkt is _FLUSH:
                self.complete = True
                self._inner.clear()
                return
            if pkt.startswith(b"ok "):
                ref = pkt[3:].rstrip(b"\n").decode("utf-8", errors="replace")
                if ref in self.expected:
                    self.expected.discard(ref)  # each ref once
                    self.updated.append(ref)


def content_type(service: str, advertise: bool) -> str:
    return f"application/x-git-{service}-" + ("advertisement" if advertise else "result")


def advertisement_preamble(service: str, git_protocol: str) -> bytes:
    """What precedes git's own ref advertisement in an `info/refs` answer: the service line and a
    flush-pkt, except under protocol v2 (where git http-backend leaves them out too)."""
    if protocol_version(git_protocol) == 2:
        return b""
    return pkt_line(f"# service=git-{service}\n") + b"0000"


class _Watchdog:
    """One thread per process that kills git runs past their deadline: a `threading.Timer` per request
    cost a thread start and its wake-up on every request (~0.4 ms, more under load)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._runs: dict[int, tuple[float, "HttpBackend"]] = {}
        self._next = float("inf")  # the deadline the thread sleeps until
        self._thread = None
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self):  # a forked worker has the dict but not the thread
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._runs, self._next, self._thread = {}, float("inf"), None

    def watch(self, run: "HttpBackend", timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            self._runs[id(run)] = (deadline, run)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="git-watchdog", daemon=True)
                self._thread.start()
            if deadline < self._next:  # runs share one timeout, so this is the first run only
                self._wake.notify()

    def forget(self, run: "HttpBackend") -> None:
        with self._lock:
            self._runs.pop(id(run), None)

    def _loop(self):
        with self._lock:
            while True:
                now = time.monotonic()
                for key, (deadline, run) in list(self._runs.items()):
                    if deadline <= now:
                        del self._runs[key]
                        run._kill()
                self._next = min((deadline for deadline, _ in self._runs.values()), default=float("inf"))
                self._wake.wait(None if self._next == float("inf") else self._next - now)


_watchdog = _Watchdog()


def _chain(head, rest):
    yield from head
    yield from rest


def _pipe_capacity(pipe) -> int:
    try:
        return fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):  # not Linux: the POSIX minimum
        return 4096


class HttpBackend:
    """One `git <service> --stateless-rpc` run: the request body is copied to its stdin (at once when it
    fits in the empty pipe, else by a thread) while the caller streams the answer from stdout (`observer`,
    if given, is handed every chunk of it, also those drained by finish()). A watchdog kills it after
    `timeout`.

    Without `body_chunks` git starts and waits for its input until `feed()`: the caller reads the
    push's rules while git starts (exec, configuration), and only then lets it see the pack."""

    def __init__(self, *, repo_id: int, service: str, advertise: bool, body_chunks=None, remote_user: str = "",
                 remote_addr: str = "", git_protocol: str = "", hooks_dir: Path, push_policy_file: str = "",
                 push_log_file: str = "", observer=None, timeout: int = HTTP_BACKEND_TIMEOUT_SECONDS):
        if service not in SERVICES:
            raise ValueError(f"unknown git service {service!r}")
        config = [("core.hooksPath", str(hooks_dir)), ("receive.fsckObjects", "true"),
                  ("uploadpack.allowFilter", "true")]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_COUNT": str(len(config)),
            "KIZUNA_PUSH_POLICY": push_policy_file,
            "KIZUNA_PUSH_LOG": push_log_file,
        }
        for i, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        if git_protocol:
            env["GIT_PROTOCOL"] = git_protocol
        if service == "receive-pack" and not advertise:  # the identity http-backend gives a push (reflogs)
            user = remote_user or "anonymous"
            env["GIT_COMMITTER_NAME"] = user
            env["GIT_COMMITTER_EMAIL"] = f"{user}@http.{remote_addr or '(none)'}"
        path = repo_path(repo_id)
        argv = ["git", service, "--stateless-rpc"] + (["--http-backend-info-refs"] if advertise else []) + ["."]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if not advertise else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env, cwd=str(path))
        self.observer = observer
        self.timed_out = False
        self.write_error: BaseException | None = None
        _watchdog.watch(self, timeout)
        self._writer = None
        if not advertise and body_chunks is not None:
            self.feed(body_chunks)

    def feed(self, body_chunks) -> None:
        """Start copying the request body to git's stdin."""
        try:
            self._start_feeding(iter(body_chunks))
        except BaseException:  # e.g. the worker's own timeout: no git left behind
            self.close()
            raise

    def _start_feeding(self, chunks):
        """A body that fits in the new pipe is written here: the write cannot block, whatever git does (a
        thread to copy a small push's few KB cost more than the copy). A longer one goes to a thread."""
        room, head = _pipe_capacity(self.proc.stdin), []
        try:
            for chunk in chunks:
                head.append(chunk)
                room -= len(chunk)
                if room < 0:
                    break
            else:
                self._feed(head)
                return
        except Exception as exc:  # a broken client stream (e.g. bad gzip), as the thread would see it
            self._feed(head, error=exc)
            return
        self._writer = threading.Thread(target=self._feed, args=(_chain(head, chunks),), daemon=True)
        self._writer.start()

    def _kill(self):
        self.timed_out = True
        try:
            self.proc.kill()
        except OSError:
            pass

    def _feed(self, chunks, error: BaseException | None = None):
        try:
            for chunk in chunks:
                if chunk:
                    self.proc.stdin.write(chunk)
            if error is not None:
                raise error
        except BrokenPipeError:
            pass
        except BaseException as exc:  # a broken client stream (e.g. bad gzip): git sees a truncated body
            self.write_error = exc
        finally:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def read(self) -> bytes:
        chunk = self.proc.stdout.read1(CHUNK)
        if chunk and self.observer is not None:
            self.observer(chunk)
        return chunk

    def finish(self) -> int:
        """Drain stdout, wait for the process; its exit code."""
        try:
            while self.read():
                pass
        except (OSError, ValueError):
            pass
        if self._writer is not None:
            self._writer.join(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        try:
            code = self.proc.wait(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        finally:
            _watchdog.forget(self)
        return code

    def error_output(self, limit: int = 2000) -> str:
        """The last `limit` bytes git wrote to stderr: what it writes there has no bound (fsck warns once
        per bad object), and only the end is logged."""
        size = os.fstat(self.stderr.fileno()).st_size
        self.stderr.seek(max(0, size - limit))
        return self.stderr.read(limit).decode(errors="replace")

    def close(self):
        _watchdog.forget(self)
        if self.proc.poll() is None:
            self._kill()
            self.proc.wait(timeout=10)
        # stdin too when nothing was fed (a thread feeding closes it itself, as does an inline feed).
        streams = (self.proc.stdout, self.stderr) + ((self.proc.stdin,) if self._writer is None and self.proc.stdin else ())
        for stream in streams:
            try:
                stream.close()
            except OSError:
                pass
