"""A test run against a dead Redis stops at once with "Redis unreachable", instead of tests that
expect a 429 failing on the 200 a fail-open rate limiter answers (tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIZUNA_REDIS_URL": redis_url}
    env.pop("KIZUNA_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/api/test_prerequisites.py::test_marker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_marker():
    """Run by the test below in a child pytest."""


def test_dead_redis_stops_the_run_saying_so():
    proc = run_pytest("redis://:secret@127.0.0.1:1/0")  # nothing listens on port 1
    output = proc.stdout + proc.stderr
    assert proc.returncode == 3, output
    assert "Redis unreachable at KIZUNA_REDIS_URL=redis://127.0.0.1:1/0" in output
    assert "secret" not in output
    assert "1 passed" not in output
