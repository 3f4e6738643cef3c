"""`git http-backend` as a CGI, for the smart HTTP view (repos/smart_http/): git's side of a clone,
fetch or push. The caller decides who may do what and passes the hooks that enforce its push rules."""

import subprocess
from pathlib import Path

from django.conf import settings

from .store import repo_path

HTTP_BACKEND_TIMEOUT_SECONDS = 3600
CHUNK = 64 * 1024


class HttpBackend:
    """One `git http-backend` run: the request body is copied to its stdin by a thread while the caller
    reads the CGI headers and then streams the body from stdout. A watchdog kills it after `timeout`."""

    def __init__(self, *, repo_id: int, service_path: str, method: str, query: str, content_type: str,
                 body_chunks, remote_user: str = "", remote_addr: str = "", git_protocol: str = "",
                 hooks_dir: Path, allow_push: bool = False, push_policy_file: str = "", push_log_file: str = "",
                 timeout: int = HTTP_BACKEND_TIMEOUT_SECONDS):
        import os
        import tempfile
        import threading

        config = [("core.hooksPath", str(hooks_dir)), ("receive.fsckObjects", "true"),
                  ("http.receivepack", "true" if allow_push else "false"), ("http.getanyfile", "false"),
                  ("uploadpack.allowFilter", "true")]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(Path(settings.KIZUNA_GIT_ROOT).resolve()),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "PATH_INFO": f"/{repo_id}.git/{service_path}",
            "REQUEST_METHOD": method,
            "QUERY_STRING": query,
            "CONTENT_TYPE": content_type,
            "REMOTE_USER": remote_user,
            "REMOTE_ADDR": remote_addr,
            "GIT_CONFIG_COUNT": str(len(config)),
            "KIZUNA_PUSH_POLICY": push_policy_file,
            "KIZUNA_PUSH_LOG": push_log_file,
        }
        for i, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        if git_protocol:
            env["GIT_PROTOCOL"] = git_protocol
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(["git", "http-backend"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, cwd=str(repo_path(repo_id)))
        self.timed_out = False
        self.write_error: BaseException | None = None
        self._watchdog = threading.Timer(timeout, self._kill)
        self._watchdog.daemon = True
        self._watchdog.start()
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

    def read_headers(self) -> tuple[int, list[tuple[str, str]]]:
        """Parse the CGI header block: (status, [(name, value)])."""
        raw = b""
        while b"\r\n\r\n" not in raw and b"\n\n" not in raw:
            chunk = self.proc.stdout.readline()
            if not chunk:
                break
            raw += chunk
            if chunk in (b"\r\n", b"\n"):
                break
        status, headers = 200, []
        for line in raw.decode("latin-1").splitlines():
            if not line.strip():
                continue
            name, _, value = line.partition(":")
            if name.lower() == "status":
                try:
                    status = int(value.strip().split()[0])
                except (ValueError, IndexError):
                    status = 500
            else:
                headers.append((name.strip(), value.strip()))
        if not raw:
            status = 500
        return status, headers

    def read(self) -> bytes:
        return self.proc.stdout.read1(CHUNK)

    def finish(self) -> int:
        """Drain stdout, wait for the process; its exit code."""
        try:
            while self.proc.stdout.read1(CHUNK):
                pass
        except (OSError, ValueError):
            pass
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
