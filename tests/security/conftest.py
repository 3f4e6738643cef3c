"""A world with something of every kind in the private repo, and an outsider who owns a public repo."""

import pytest

from tests.contract.conftest import PIPELINE
from tests.pipelines.conftest import commit_files
from tests.repos.conftest import git_client, git_server  # noqa: F401  (fixtures: test_hostile_push)


@pytest.fixture
def loaded(world, api, settings, make_repo, make_token):
    """world.private with an issue, a comment, a milestone, a pipeline, a webhook with a delivery and a
    deploy token; world.outsider owns `w-out/own` (public) and holds an agent token."""
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    admin = api(world.tokens["admin"])
    w = world
    commit_files(w.private, {".kizuna/pipeline.yml": PIPELINE, "README.md": "secret\n"})
    w.issue = admin.post("/repos/w-org/priv/issues", {"title": "secret"}).json()["number"]
    w.comment = admin.post(f"/repos/w-org/priv/issues/{w.issue}/comments", {"body": "secret"}).json()["id"]
    w.milestone = admin.post("/repos/w-org/priv/milestones", {"title": "m"}).json()["number"]
    pipeline = admin.post("/repos/w-org/priv/pipelines", {}).json()
    w.pipeline, w.job = pipeline["id"], pipeline["jobs"][0]["id"]
    w.hook = admin.post("/repos/w-org/priv/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"]}).json()["id"]
    admin.post(f"/repos/w-org/priv/webhooks/{w.hook}/ping")
    w.delivery = admin.get(f"/repos/w-org/priv/webhooks/{w.hook}/deliveries").json()[0]["id"]
    w.deploy_id = admin.post("/repos/w-org/priv/deploy-tokens", {"name": "d"}).json()["id"]
    w.own = make_repo(w.outsider.namespace, "own", visibility="public", actor_user=w.outsider)
    commit_files(w.own, {".kizuna/pipeline.yml": PIPELINE})
    w.own_issue = api(w.tokens["outsider"]).post("/repos/w-out/own/issues", {"title": "mine"}).json()["number"]
    w.own_hook = api(w.tokens["outsider"]).post("/repos/w-out/own/webhooks",
                                                {"url": "http://127.0.0.1:9/h", "events": ["*"]}).json()["id"]
    return w
