"""Git's side of a smart HTTP call (the view in repos/smart_http/ decides who may do what): `git
upload-pack` or `git receive-pack` run directly with `--stateless-rpc`, as `git http-backend` would run
them, without the CGI wrapper in between (one process less per request; gitprotocol-http(5)). The caller
passes the hooks that enforce its push rules."""

import os
import subprocess
import tempfile
import threading
from pathlib import Path

from .store import repo_path

HTTP_BACKEND_TIMEOUT_SECONDS = 3600
CHUNK = 64 * 1024
SERVICES = ("upload-pack", "receive-pack")
# What `git http-backend` sends with every smart answer: never cached by anything in between.
NO_CACHE_HEADERS = (("Expires", "Fri, 01 Jan 1980 00:00:00 GMT"), ("Pragma", "no-cache"),
                    ("Cache-Control", "no-cache, max-age=0, must-revalidate"))


def pkt_line(text: str) -> bytes:
    data = text.encode()
    return b"%04x%s" % (len(data) + 4, data)


def protocol_version(git_protocol: str) -> int:
    """The version a server speaks for a Git-Protocol header, as git's own determination: the highest
    `version=N` among its colon-separated keys, 0 without one."""
    version = 0
    for item in git_protocol.split(":"):
        key, _, value = item.partition("=")
        if key == "version" and value in ("0", "1", "2"):  # git ignores any other value
            version = max(version, int(value))
    return version


def content_type(service: str, advertise: bool) -> str:
    return f"application/x-git-{service}-" + ("advertisement" if advertise else "result")


def advertisement_preamble(service: str, git_protocol: str) -> bytes:
    """What precedes git's own ref advertisement in an `info/refs` answer: the service line and a
    flush-pkt, except under protocol v2 (where git http-backend leaves them out too)."""
    if protocol_version(git_protocol) == 2:
        return b""
    return pkt_line(f"# service=git-{service}\n") + b"0000"


class HttpBackend:
    """One `git <service> --stateless-rpc` run: the request body is copied to its stdin by a thread while
    the caller streams the answer from stdout. A watchdog kills it after `timeout`."""

    def __init__(self, *, repo_id: int, service: str, advertise: bool, body_chunks, remote_user: str = "",
                 remote_addr: str = "", git_protocol: str = "", hooks_dir: Path, push_policy_file: str = "",
                 push_log_file: str = "", timeout: int = HTTP_BACKEND_TIMEOUT_SECONDS):
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
        if service == "receive-pack":  # the identity http-backend gives a push (reflogs)
            user = remote_user or "anonymous"
            env["GIT_COMMITTER_NAME"] = user
            env["GIT_COMMITTER_EMAIL"] = f"{user}@http.{remote_addr or '(none)'}"
        path = repo_path(repo_id)
        argv = ["git", service, "--stateless-rpc"] + (["--http-backend-info-refs"] if advertise else []) + ["."]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if not advertise else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env, cwd=str(path))
        self.timed_out = False
        self.write_error: BaseException | None = None
        self._watchdog = threading.Timer(timeout, self._kill)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._writer = None
        if not advertise:
            self._writer = threading.Thread(target=self._feed, args=(body_chunks,), daemon=True)
            self._writer.start()

    def _kill(self):
        self.timed_out = True
        try:
            self.proc.kill()
        except OSError:
            pass

    def _feed(self, chunks):
        try:
            for chunk in chunks:
                if chunk:
                    self.proc.stdin.write(chunk)
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
        return self.proc.stdout.read1(CHUNK)

    def finish(self) -> int:
        """Drain stdout, wait for the process; its exit code."""
        try:
            while self.proc.stdout.read1(CHUNK):
                pass
        except (OSError, ValueError):
            pass
        if self._writer is not None:
            self._writer.join(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        try:
            code = self.proc.wait(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        finally:
            self._watchdog.cancel()
        return code

    def error_output(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self):
        self._watchdog.cancel()
        if self.proc.poll() is None:
            self._kill()
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass
