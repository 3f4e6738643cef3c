"""`make run`, driven for real: a re-run while a server is up fails first with a plain message and leaves
the demo token working; a re-run after a stop prints the same token; stopping ends every process it
started and nothing else (the shell that started it goes on); one access line per request.

Each `make run` gets a free port and its own KIZUNA_VAR_DIR (SQLite, git, the demo token), and the
test's database and Redis settings are taken out of its environment.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240  # a first run migrates a fresh SQLite database; the machine may be busy
STOP_TIMEOUT = 60

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KIZUNA_") and k not in ("DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["KIZUNA_VAR_DIR"] = str(var_dir)
    return env


def processes_of(var_dir: Path) -> list[int]:
    """Live processes started with this KIZUNA_VAR_DIR (the server, the workers, make, the shell)."""
    marker = f"KIZUNA_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class Served:
    """`make run` started from a shell, as a person would: `make run & …; wait; echo …`."""

    def __init__(self, port: int, var_dir: Path):
        self.port, self.lines = port, []
        script = (f'make -s run HOST=127.0.0.1 PORT={port} & echo "make-pid $!"; wait $!; '
                  'echo "shell goes on after make exited with $?"')
        self.proc = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=run_env(var_dir), start_new_session=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_serving(self) -> str:
        """The printed demo token, once the API answers."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output
            if "Serving Kizuna on" in self.output:
                try:
                    if get(f"http://127.0.0.1:{self.port}/api/v1/repos/demo-org") == 200:
                        return re.search(r"API token:\s+(kzp_\w+)", self.output).group(1)
                except OSError:
                    pass
            time.sleep(0.5)
        raise AssertionError(f"make run did not serve within {START_TIMEOUT} s:\n{self.output}")

    def stop(self) -> str:
        """SIGTERM to make alone (not its process group), as a process manager or `kill %1` does."""
        make_pid = int(re.search(r"make-pid (\d+)", self.output).group(1))
        os.kill(make_pid, signal.SIGTERM)
        self.proc.wait(timeout=STOP_TIMEOUT)
        self.reader.join(timeout=5)
        return self.output


def planned(target: str, venv: Path) -> str:
    """What `make TARGET` would run for a fresh virtualenv (make -n: nothing is run)."""
    result = subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=run_env(venv.parent / "var"))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_run_installs_only_what_serving_needs_and_test_adds_the_test_extras(tmp_path):
    serving = planned("run", tmp_path / "venv")
    assert "pip install -q -e . -e ./sdk/python" in serving and "[test]" not in serving
    assert "manage.py run_demo" in serving
    assert "[test]" in planned("test", tmp_path / "venv")


@pytest.fixture
def var_dir(tmp_path):
    yield tmp_path / "var"
    for pid in processes_of(tmp_path / "var"):  # a failed test leaves nothing running
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_rerun_keeps_the_token_busy_port_fails_first_and_stop_is_clean(var_dir):
    port = free_port()
    first = Served(port, var_dir)
    try:
        token = first.wait_until_serving()
        base = f"http://127.0.0.1:{port}/api/v1"
        assert get(f"{base}/user", token) == 200
        token_file = var_dir / "demo-token"
        assert token_file.read_text().strip() == token and token_file.stat().st_mode & 0o777 == 0o600

        # A second `make run` on the busy port: a plain message, before seeding anything.
        second = subprocess.run(["make", "-s", "run", "HOST=127.0.0.1", f"PORT={port}"], cwd=ROOT, env=run_env(var_dir),
                                capture_output=True, text=True, timeout=START_TIMEOUT, start_new_session=True)
        said = second.stdout + second.stderr
        assert second.returncode != 0
        assert f"port {port} on 127.0.0.1 is already in use" in said and f"make run PORT={port + 1}" in said
        assert "demo data is ready" not in said and "Traceback" not in said
        assert get(f"{base}/user", token) == 200  # still the working token
        # One access line per request.
        assert re.search(r'"GET /api/v1/user HTTP/1\.1" 200', first.output), first.output
    finally:
        output = first.stop()
    assert "shell goes on after make exited" in output, output
    assert "Segmentation fault" not in output and "Traceback" not in output, output
    assert "SIGTERM received: stopping Kizuna" in output and "Stopped." in output
    deadline = time.monotonic() + STOP_TIMEOUT
    while processes_of(var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(var_dir) == []

    # Run again after the stop: the same token is printed, and works.
    again = Served(port, var_dir)
    try:
        assert again.wait_until_serving() == token
        assert get(f"http://127.0.0.1:{port}/api/v1/user", token) == 200
    finally:
        again.stop()
    assert "Segmentation fault" not in again.output
