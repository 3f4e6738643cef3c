"""Fixtures for pipelines: a repository with commits written straight into its bare git directory, and CI agents."""


import pygit2
import pytest

from repos import git as repo_git

SIMPLE = """
jobs:
  test:
    steps:
      - run: echo hello
"""


def commit_files(repo, files: dict[str, str], *, branch: str = "main", message: str = "commit") -> str:
    """Commit `files` (path → text) on top of `branch` in the repository's bare directory; returns the sha."""
    git_repo = pygit2.Repository(str(repo_git.repo_path(repo.pk)))
    ref = f"refs/heads/{branch}"
    parents = [git_repo.references[ref].target] if ref in git_repo.references else []
    index = pygit2.Index()
    if parents:
        index.read_tree(git_repo.get(parents[0]).tree)
    for path, text in files.items():
        blob = git_repo.create_blob(text.encode())
        index.add(pygit2.IndexEntry(path, blob, pygit2.enums.FileMode.BLOB))
    tree = index.write_tree(git_repo)
    sig = pygit2.Signature("Test", "test@example.com")
    return str(git_repo.create_commit(ref, sig, sig, message, tree, parents))


@pytest.fixture
def ci_repo(world):
    """The world's private repo with a simple pipeline definition on main."""
    commit_files(world.private, {".kizuna/pipeline.yml": SIMPLE, "README.md": "hi\n"})
    return world.private


@pytest.fixture
def make_agent(make_agent):
    """Pipeline tests' agents default to CI runners: Standard trust and the `ci` capability."""

    def make(operator, *, trust=2, capabilities=("ci",), **fields):
        return make_agent(operator, trust, capabilities=capabilities, **fields)

    return make


@pytest.fixture
def runner_agent(world, make_agent):
    """A CI agent operated by the org's writer: (agent, token)."""
    return make_agent(world.writer, name="ci-bot")


