"""Where repositories live and their life: bare git directories under KIZUNA_GIT_ROOT named by the
row's id (so a rename is a database change only), created, initialised, re-pointed and deleted here."""

import shutil
from pathlib import Path

from django.conf import settings

from .commands import run_git


def repo_path(repo_id: int) -> Path:
    return Path(settings.KIZUNA_GIT_ROOT) / f"{repo_id}.git"


def open_repository(repo_id: int):
    """The pygit2 repository (pygit2 is imported where it is used: loading Django needs no libgit2)."""
    import pygit2

    return pygit2.Repository(str(repo_path(repo_id)))


def signature(name: str, email: str):
    import pygit2

    return pygit2.Signature(name, email)


def committer_signature():
    return signature(settings.KIZUNA_GIT_COMMITTER_NAME, settings.KIZUNA_GIT_COMMITTER_EMAIL)


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


def commit_initial_readme(repo_id: int, *, branch: str, repo_name: str, description: str, actor) -> str:
    """`auto_init`: one commit with a README on `branch`, written straight into the object store."""
    import pygit2

    repo = open_repository(repo_id)
    text = f"# {repo_name}\n\n{description}\n" if description else f"# {repo_name}\n"
    blob = repo.create_blob(text.encode())
    builder = repo.TreeBuilder()
    builder.insert("README.md", blob, pygit2.enums.FileMode.BLOB)
    tree = builder.write()
    email = f"{actor.login}@users.noreply.kizuna"
    author = signature(actor.login, email)
    oid = repo.create_commit(f"refs/heads/{branch}", author, committer_signature(), "Initial commit", tree, [])
    return str(oid)
