"""Real git for pull request tests: a working clone per repository that pushes to the bare repo by path."""

import os
import subprocess
import uuid

import pytest
from django.db import transaction

from kizuna.accounts.actors import actor_for_user
from repos import git as repo_git

ALICE = ("Alice Author", "alice@example.com")
BOB = ("Bob Builder", "bob@example.com")


class Work:
    """A working clone of one Kizuna repository."""

    def __init__(self, repo, path, pusher=None):
        self.repo = repo
        self.path = path
        self.pusher = pusher
        bare = str(repo_git.repo_path(repo.pk))
        subprocess.run(["git", "clone", "-q", bare, str(path)], check=True, capture_output=True)
        self.git("config", "user.name", "Test Committer")
        self.git("config", "user.email", "committer@example.com")

    def git(self, *args, env=None) -> str:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, text=True, env=full_env)
        if proc.returncode:
            raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
        return proc.stdout.strip()

    def branch(self, name: str, start: str | None = None) -> None:
        if start:
            self.git("checkout", "-q", "-B", name, start)
        else:
            self.git("checkout", "-q", name)

    def commit(self, files: dict, message: str = "change", author=ALICE) -> str:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.unlink()
            else:
                target.write_text(content)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, "--author", f"{author[0]} <{author[1]}>")
        return self.git("rev-parse", "HEAD")

    def push(self, branch: str, *, notify: bool = False, force: bool = False) -> str:
        """Push `branch`; with `notify` run repos.services.on_push as the git HTTP layer will."""
        before = repo_git.branch_sha(self.repo.pk, branch) or repo_git.ZERO_SHA
        self.git("push", "-q", *(["-f"] if force else []), "origin", f"{branch}:{branch}")
        after = repo_git.branch_sha(self.repo.pk, branch)
        if notify:
            from repos.services import on_push

            with transaction.atomic():
                on_push(repo=self.repo, ref=f"refs/heads/{branch}", before=before, after=after,
                        actor=actor_for_user(self.pusher), commits=repo_git.push_commits(self.repo.pk, ref=f"refs/heads/{branch}", before=before, after=after))
        return after


def bare(repo, *args) -> str:
    """git itself, run in the bare repository."""
    return subprocess.run(["git", *args], cwd=repo_git.repo_path(repo.pk), capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def work(tmp_path):
    def make(repo, pusher=None):
        return Work(repo, tmp_path / f"work-{uuid.uuid4().hex[:6]}", pusher)

    return make


@pytest.fixture
def pr_world(world, work):
    """world.public with `main` (README + app.txt) and `feature` (one commit ahead), a working clone."""
    w = world
    w.repo = w.public
    w.clone = work(w.repo, pusher=w.admin)
    w.clone.git("checkout", "-q", "-b", "main")
    w.clone.commit({"README.md": "# hello\n", "app.txt": "one\ntwo\nthree\n"}, "initial")
    w.clone.push("main")
    w.clone.branch("feature", "main")
    w.clone.commit({"feature.txt": "new\nfile\n"}, "add feature")
    w.clone.push("feature")
    w.clone.branch("main")
    return w



