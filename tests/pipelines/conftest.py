"""Fixtures for pipelines: a repository with commits written straight into its bare git directory, and CI agents."""

import uuid

import pygit2
import pytest

from agents.models import Agent
from kizuna.accounts import services as account_services
from kizuna.accounts.models import Token
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
def make_agent(db, make_token):
    def make(operator, *, trust=2, capabilities=("ci",), status="active", name=None):
        agent = Agent.objects.create(
            name=name or f"a{uuid.uuid4().hex[:10]}", operator=operator, model_family="test", model_version="1",
            capabilities=list(capabilities), trust_level=trust, status=status,
        )
        account_services.actor_for_agent(agent)
        raw = make_token(kind=Token.Kind.AGENT, agent=agent)
        return agent, raw

    return make


@pytest.fixture
def runner_agent(world, make_agent):
    """A CI agent operated by the org's writer: (agent, token)."""
    return make_agent(world.writer, name="ci-bot")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
