"""Running the `git` executable: every call has a timeout, and user input goes only after `--` or
as validated refs."""

import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 60


class GitError(Exception):
    pass


def run_git(args: list[str], *, cwd: Path | None = None, input: bytes | None = None, timeout: int = GIT_TIMEOUT_SECONDS, env: dict | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out") from exc
    if proc.returncode != 0:
        raise GitError(proc.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return proc.stdout
