"""The only module that runs `git` or touches pygit2 (DESIGN.md).

Repositories are bare git directories under KIZUNA_GIT_ROOT named by the row's id, so a rename is a
database change only. Every subprocess call has a timeout and passes user input only after `--` or
as validated refs.
"""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings

GIT_TIMEOUT_SECONDS = 60


class GitError(Exception):
    pass


def repo_path(repo_id: int) -> Path:
    return Path(settings.KIZUNA_GIT_ROOT) / f"{repo_id}.git"


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


def init_bare(repo_id: int, default_branch: str) -> Path:
    path = repo_path(repo_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():  # a leftover of a failed earlier attempt with a recycled id
        shutil.rmtree(path)
    run_git(["init", "--bare", "--quiet", f"--initial-branch={default_branch}", "--", str(path)])
    run_git(["config", "http.receivepack", "true"], cwd=path)
    return path


def delete(repo_id: int) -> None:
    shutil.rmtree(repo_path(repo_id), ignore_errors=True)


def _open(repo_id: int):
    import pygit2

    return pygit2.Repository(str(repo_path(repo_id)))


def _signature(name: str, email: str):
    import pygit2

    return pygit2.Signature(name, email)


def committer_signature():
    return _signature(settings.KIZUNA_GIT_COMMITTER_NAME, settings.KIZUNA_GIT_COMMITTER_EMAIL)


def commit_initial_readme(repo_id: int, *, branch: str, repo_name: str, description: str, actor) -> str:
    """`auto_init`: one commit with a README on `branch`, written straight into the object store."""
    import pygit2

    repo = _open(repo_id)
    text = f"# {repo_name}\n\n{description}\n" if description else f"# {repo_name}\n"
    blob = repo.create_blob(text.encode())
    builder = repo.TreeBuilder()
    builder.insert("README.md", blob, pygit2.enums.FileMode.BLOB)
    tree = builder.write()
    email = f"{actor.login}@users.noreply.kizuna"
    author = _signature(actor.login, email)
    oid = repo.create_commit(f"refs/heads/{branch}", author, committer_signature(), "Initial commit", tree, [])
    return str(oid)


def has_commits(repo_id: int) -> bool:
    return any(True for _ in _open(repo_id).branches.local)


def branch_exists(repo_id: int, branch: str) -> bool:
    repo = _open(repo_id)
    return f"refs/heads/{branch}" in repo.references


def set_head(repo_id: int, branch: str) -> None:
    repo = _open(repo_id)
    repo.references.create("HEAD", f"refs/heads/{branch}", force=True)


# --- reading (used by REST read endpoints, pull requests and pipelines) -------------------------------
def resolve_ref(repo_id: int, ref: str) -> str | None:
    """The commit sha a branch name, tag name, full ref or (abbreviated) sha points to; None if unknown."""
    import pygit2

    repo = _open(repo_id)
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if candidate.startswith("refs/") and candidate in repo.references:
            return str(repo.references[candidate].peel(pygit2.Commit).id)
    try:
        obj = repo.revparse_single(ref) if ref and not ref.startswith("-") else None
    except (KeyError, ValueError, pygit2.GitError):
        return None
    if obj is None:
        return None
    try:
        return str(obj.peel(pygit2.Commit).id)
    except (ValueError, pygit2.GitError):
        return None


def read_blob_at(repo_id: int, sha: str, path: str) -> bytes | None:
    """The content of `path` in commit `sha`, or None if there is no such file."""
    import pygit2

    repo = _open(repo_id)
    try:
        tree = repo.get(sha).peel(pygit2.Tree)
        entry = tree[path]
    except (KeyError, ValueError, AttributeError, pygit2.GitError):
        return None
    obj = repo.get(entry.id)
    return obj.data if isinstance(obj, pygit2.Blob) else None
