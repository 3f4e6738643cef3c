"""Each driver's fixtures on the live server: its repository, branches and names (README.md, Fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

PIPELINE_YML = "jobs:\n  test:\n    steps:\n      - run: echo conformance\n"


def api(info: dict, method: str, path: str, body: dict | None = None, token: str = "alice") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(info["url"] + "/api/v1" + path, data=data, method=method, headers={
        "Authorization": f"Bearer {info['tokens'][token]}", "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "Conformance", "GIT_AUTHOR_EMAIL": "c@example.com",
           "GIT_COMMITTER_NAME": "Conformance", "GIT_COMMITTER_EMAIL": "c@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:2])} failed: {result.stderr.strip()}")


def make_fixtures(info: dict, unique: str, work: Path) -> dict:
    """The driver's repository: main with README.md and .kizuna/pipeline.yml, branches feature and feature-2."""
    name = f"fx-{unique}"
    repo = api(info, "POST", f"/repos/{info['org']}", {"name": name, "visibility": "public", "auto_init": False})
    parts = urlsplit(repo["clone_url"])
    authed = parts._replace(netloc=f"x:{info['tokens']['alice']}@{parts.netloc}").geturl()
    src = work / f"git-{unique}"
    src.mkdir()
    git("init", "-q", "-b", "main", ".", cwd=src)
    (src / "README.md").write_text(f"# {name}\n")
    (src / ".kizuna").mkdir()
    (src / ".kizuna" / "pipeline.yml").write_text(PIPELINE_YML)
    git("add", "-A", cwd=src)
    git("commit", "-q", "-m", "initial", cwd=src)
    for branch, filename in (("feature", "feature.txt"), ("feature-2", "feature-2.txt")):
        git("checkout", "-q", "-b", branch, "main", cwd=src)
        (src / filename).write_text(f"{branch}\n")
        git("add", "-A", cwd=src)
        git("commit", "-q", "-m", f"add {filename}", cwd=src)
    git("push", "-q", authed, "main", "feature", "feature-2", cwd=src)
    return {
        "org": info["org"],
        "repo": info["repo"],
        "unique": unique,
        "fixture_repo": name,
        "agent_name": f"agent-{unique}",
        "new_org": f"org-{unique}",
    }
