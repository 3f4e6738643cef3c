"""Seeded data for the contract tests: every path parameter of the API resolves to a real object."""

import uuid

import pytest
from django.db import transaction
from django.test import override_settings

from kizuna.accounts import services as account_services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Role, Token
from tests.conftest import Api
from tests.pipelines.conftest import commit_files

PIPELINE = """
jobs:
  test:
    steps:
      - run: echo hello
"""


class Seed:
    """An org with a public repo (commits, a branch, issues, labels, a milestone, a comment, a PR, a
    pipeline, webhooks with a delivery) and one token of every kind able to act on it."""

    def params(self, path: str) -> dict:
        hook = self.org_hook if path.startswith("/orgs/") else self.repo_hook
        number = self.pr_number if "/pulls/" in path else self.milestone if "/milestones/" in path else self.issue
        if path.startswith("/agents/"):
            ident = self.agent_id
        elif path.startswith("/user/tokens/"):
            ident = self.spare_token_id
        else:
            ident = self.deploy_token_id
        return {
            "org": "st-org", "repo": "pub", "number": number, "name": "bug", "comment_id": self.comment_id,
            "hook_id": hook["id"], "delivery_id": hook["delivery_id"], "pipeline_id": self.pipeline_id,
            "job_id": self.job_id, "branch": "main", "sha": self.sha, "path": "README.md", "id": ident,
            "login": "st-member", "review_id": self.review_id,
        }


GIT_ROOT_NAME = "contract-git"


def token(user, scopes) -> str:
    return account_services.token_create(kind=Token.Kind.PERSONAL, name="contract", user=user, scopes=scopes,
                                         created_by=user, actor=actor_for_user(user))[1]


CONTRACT_SETTINGS = {
    "KIZUNA_WEBHOOK_ALLOW_PRIVATE": True,
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "KIZUNA_SSE_MAX_SECONDS": 0.05,  # in-process WSGI reads a stream to its end
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "KIZUNA_VERIFY_STATEMENTS": True,
}


@pytest.fixture(scope="module")
def contract_git_root(tmp_path_factory):
    return tmp_path_factory.mktemp(GIT_ROOT_NAME)


@pytest.fixture(autouse=True)
def _isolated_state(settings, contract_git_root):
    """As tests/conftest.py's, but every test of the module shares the seed's git root."""
    settings.KIZUNA_GIT_ROOT = contract_git_root
    settings.KIZUNA_RATE_LIMIT_NAMESPACE = f"test-{uuid.uuid4().hex}"
    for name, value in CONTRACT_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker, contract_git_root):
    """Built once per module inside a transaction that is rolled back at its end; each test runs in a
    savepoint of it (pytest-django's), so one test's writes never reach the next. Seeding per test cost
    over a second per operation and caller."""
    from asgiref.sync import sync_to_async

    from kizuna.api import pool

    with override_settings(KIZUNA_GIT_ROOT=contract_git_root, **CONTRACT_SETTINGS), \
            pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        # The SSE views run their ORM calls on a pool thread; in a test they must use the test's own
        # connection (its transaction holds the seeded rows), so run them on the calling thread.
        patch.setattr(pool, "db", lambda fn: sync_to_async(fn, thread_sensitive=True))
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def build_seed() -> Seed:
    s = Seed()
    admin = account_services.user_create(login="st-admin", password="pw", is_staff=True)
    member = account_services.user_create(login="st-member", password="pw")
    s.org = account_services.org_create(creator=admin, login="st-org")
    account_services.member_set(actor=actor_for_user(admin), org=s.org, user=member, role=Role.READ)
    s.personal = token(admin, ["read", "write", "admin"])  # staff, admin of the org, every scope
    s.read_only = token(admin, ["read"])
    client = Api(s.personal)

    def ok(response, status=201):
        assert response.status_code == status, response.content
        return response.json()

    repo = ok(client.post("/repos/st-org", {"name": "pub", "visibility": "public", "auto_init": True}))
    from repos.models import Repository

    s.repo = Repository.objects.get(pk=repo["id"])
    s.sha = commit_files(s.repo, {".kizuna/pipeline.yml": PIPELINE, "README.md": "# pub\n"})
    import pygit2  # `feature`: one commit ahead of main

    from repos import git as repo_git

    git_repo = pygit2.Repository(str(repo_git.repo_path(s.repo.pk)))
    main = git_repo.get(git_repo.references["refs/heads/main"].target)
    blob = git_repo.create_blob(b"new\n")
    builder = git_repo.TreeBuilder(main.tree)
    builder.insert("feature.txt", blob, pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("Test", "test@example.com")
    git_repo.create_commit("refs/heads/feature", sig, sig, "feature", builder.write(), [main.id])

    s.milestone = ok(client.post("/repos/st-org/pub/milestones", {"title": "v1"}))["number"]
    s.issue = ok(client.post("/repos/st-org/pub/issues", {"title": "first", "labels": ["bug"], "milestone": s.milestone}))["number"]
    s.comment_id = ok(client.post(f"/repos/st-org/pub/issues/{s.issue}/comments", {"body": "hello"}))["id"]
    s.pr_number = ok(client.post("/repos/st-org/pub/pulls", {"title": "feature", "head": "feature"}))["number"]
    s.review_id = ok(client.post(f"/repos/st-org/pub/pulls/{s.pr_number}/reviews", {"event": "COMMENT", "body": "r"}))["id"]
    pipeline = ok(client.post("/repos/st-org/pub/pipelines", {}))
    s.pipeline_id, s.job_id = pipeline["id"], pipeline["jobs"][0]["id"]
    s.repo_hook = ok(client.post("/repos/st-org/pub/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"], "secret": "s"}))
    s.org_hook = ok(client.post("/orgs/st-org/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"]}))
    for hook, base in ((s.repo_hook, "/repos/st-org/pub"), (s.org_hook, "/orgs/st-org")):
        ok(client.post(f"{base}/webhooks/{hook['id']}/ping"), 202)
        hook["delivery_id"] = ok(client.get(f"{base}/webhooks/{hook['id']}/deliveries"), 200)[0]["id"]
    s.deploy = ok(client.post("/repos/st-org/pub/deploy-tokens", {"name": "ci", "scopes": ["read", "write"]}))["token"]
    s.deploy_token_id = ok(client.post("/repos/st-org/pub/deploy-tokens", {"name": "spare"}))["id"]
    s.spare_token_id = ok(client.post("/user/tokens", {"name": "spare"}))["id"]
    agent = ok(client.post("/agents", {"name": "st-bot", "model_family": "test", "model_version": "1",
                                       "capabilities": ["ci"], "trust_level": 2}))
    s.agent_id, s.agent = agent["id"], agent["token"]
    return s
