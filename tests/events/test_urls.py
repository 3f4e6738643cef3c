"""URLs in webhook bodies and event payloads: absolute, at the root they are read at, and equal to
the REST API's `url` for the same object when it is called at that root."""

import json

import pytest

from kizuna.accounts.actors import actor_for_user
from kizuna.events import delivery as delivery_mod
from kizuna.events.models import Webhook, WebhookDelivery
from kizuna.events.services import webhook_create, webhook_ping
from tests.pipelines.conftest import SIMPLE, commit_files

pytestmark = pytest.mark.django_db

ROOT = "https://forge.example:8443"  # where the hook was created
OTHER = "http://other.example"  # where the changes are made
PUBLIC = "https://public.example"
REPO = "/repos/w-org/pub"


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "forge.example", "other.example"]


class at:  # noqa: N801 - reads as a phrase: at(api, token, root).get(…)
    """An API client that reaches the server at `root` (scheme://host[:port])."""

    def __init__(self, api, token, root):
        scheme, host = root.split("://")
        self.client, self.extra = api(token), {"HTTP_HOST": host, "secure": scheme == "https"}

    def get(self, path, data=None):
        return self.client.get(path, data, **self.extra)

    def post(self, path, data=None):
        return self.client.post(path, data, **self.extra)

    def patch(self, path, data=None):
        return self.client.patch(path, data, **self.extra)


def urls_in(data, path="") -> dict:
    """Every `url` / `…_url` value in a JSON document, by where it is (the hook's own target excluded)."""
    found = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (key == "url" or key.endswith("_url")):
                found[f"{path}.{key}"] = value
            elif key != "hook":
                found.update(urls_in(value, f"{path}.{key}"))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.update(urls_in(value, f"{path}[{i}]"))
    return found


def make_hook(api, world, receiver, root=ROOT, path=f"{REPO}/webhooks"):
    r = at(api, world.tokens["admin"], root).post(path, {"url": receiver.url, "events": ["*"], "secret": "s3cret"})
    assert r.status_code == 201, r.content
    return Webhook.objects.get(pk=r.json()["id"])


def delivered(receiver) -> dict:
    """Send every pending delivery; the bodies received, by `event.action`."""
    for pk in WebhookDelivery.objects.filter(state="pending").order_by("pk").values_list("pk", flat=True):
        delivery_mod.attempt_delivery(pk)
    assert all(r["verified"] is True for r in receiver.requests)
    return {f"{b['event']}.{b['action']}": b for b in receiver.payloads()}


def test_a_hook_records_the_root_it_was_created_at(world, api, receiver):
    assert make_hook(api, world, receiver).api_root == ROOT
    assert make_hook(api, world, receiver, OTHER, "/orgs/w-org/webhooks").api_root == OTHER
    # PATCH never moves a recorded root (the hook keeps the origin its consumer was set up with).
    hook = Webhook.objects.filter(repository=world.public).get()
    r = at(api, world.tokens["admin"], OTHER).patch(f"{REPO}/webhooks/{hook.pk}", {"events": ["issue"]})
    assert r.status_code == 200, r.content
    assert Webhook.objects.get(pk=hook.pk).api_root == ROOT
    assert "api_root" not in r.json()  # internal: the hook's shape is docs/api.md's


def test_an_overlong_host_is_not_recorded(world, api, receiver, settings):
    settings.ALLOWED_HOSTS = ["*"]
    host = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "." + "e" * 60 + ".example"
    r = at(api, world.tokens["admin"], f"https://{host}").post(f"{REPO}/webhooks", {"url": receiver.url})
    assert r.status_code == 201, r.content
    assert Webhook.objects.get(pk=r.json()["id"]).api_root == ""  # bodies keep paths, nothing fails


def test_issue_comment_and_milestone_urls_equal_the_api_at_the_hooks_root(world, api, receiver):
    hook = make_hook(api, world, receiver)
    changer = at(api, world.tokens["admin"], OTHER)  # the host the change came through does not matter
    milestone = changer.post(f"{REPO}/milestones", {"title": "v1"}).json()
    issue = changer.post(f"{REPO}/issues", {"title": "Broken", "milestone": milestone["number"]}).json()
    comment = changer.post(f"{REPO}/issues/{issue['number']}/comments", {"body": "/api/v1/not-a-url"}).json()
    bodies = delivered(receiver)
    assert set(bodies) >= {"milestone.created", "issue.opened", "comment.created"}

    reader = at(api, world.tokens["reader"], hook.api_root)
    repo_url = reader.get(REPO).json()["url"]
    issue_url = reader.get(f"{REPO}/issues/{issue['number']}").json()["url"]
    assert repo_url == f"{ROOT}/api/v1{REPO}" and issue_url == f"{ROOT}/api/v1{REPO}/issues/{issue['number']}"
    assert bodies["issue.opened"]["repository"]["url"] == repo_url
    assert bodies["issue.opened"]["issue"]["url"] == issue_url
    milestone_url = reader.get(f"{REPO}/milestones/{milestone['number']}").json()["url"]
    assert bodies["issue.opened"]["issue"]["milestone"]["url"] == milestone_url
    assert bodies["milestone.created"]["milestone"]["url"] == milestone_url
    comment_url = reader.get(f"{REPO}/issues/comments/{comment['id']}").json()["url"]
    assert bodies["comment.created"]["comment"]["url"] == comment_url
    assert bodies["comment.created"]["issue"]["url"] == issue_url
    assert bodies["comment.created"]["comment"]["body"] == "/api/v1/not-a-url"  # only URLs are rewritten
    for name, body in bodies.items():
        urls = urls_in(body)
        assert urls and all(u.startswith(f"{ROOT}/api/v1/") for u in urls.values()), (name, urls)


def test_pull_request_and_pipeline_urls_equal_the_api(world, api, receiver):
    commit_files(world.public, {"README.md": "hi\n", ".kizuna/pipeline.yml": SIMPLE})
    commit_files(world.public, {"feature.txt": "new\n"}, branch="feature")
    hook = make_hook(api, world, receiver)
    changer = at(api, world.tokens["admin"], OTHER)
    pr = changer.post(f"{REPO}/pulls", {"title": "Feature", "head": "feature", "base": "main"})
    assert pr.status_code == 201, pr.content
    number = pr.json()["number"]
    changer.post(f"{REPO}/pulls/{number}/comments", {"body": "looks good"})
    pipeline = changer.post(f"{REPO}/pipelines", {"ref": "main"})
    assert pipeline.status_code == 201, pipeline.content
    bodies = delivered(receiver)

    reader = at(api, world.tokens["reader"], hook.api_root)
    pr_url = reader.get(f"{REPO}/pulls/{number}").json()["url"]
    assert pr_url == f"{ROOT}/api/v1{REPO}/pulls/{number}"
    assert bodies["pull_request.opened"]["pull_request"]["url"] == pr_url
    assert bodies["comment.created"]["issue"]["url"] == pr_url  # a pull request's issue row is the pull request
    pipeline_url = reader.get(f"{REPO}/pipelines/{pipeline.json()['id']}").json()["url"]
    assert bodies["pipeline.created"]["pipeline"]["url"] == pipeline_url
    for name, body in bodies.items():
        assert all(u.startswith(f"{ROOT}/api/v1/") for u in urls_in(body).values()), name


def test_public_url_wins_over_the_recorded_root(world, api, receiver, settings):
    hook = make_hook(api, world, receiver)
    settings.KIZUNA_PUBLIC_URL = PUBLIC
    issue = at(api, world.tokens["admin"], OTHER).post(f"{REPO}/issues", {"title": "x"}).json()
    body = delivered(receiver)["issue.opened"]
    reader = at(api, world.tokens["reader"], hook.api_root)
    issue_url = reader.get(f"{REPO}/issues/{issue['number']}").json()["url"]
    assert body["issue"]["url"] == issue_url == f"{PUBLIC}/api/v1{REPO}/issues/1"
    assert body["repository"]["url"] == reader.get(REPO).json()["url"] == f"{PUBLIC}/api/v1{REPO}"


def test_hooks_created_at_different_roots_each_get_their_own(world, api, receiver):
    make_hook(api, world, receiver, ROOT)
    make_hook(api, world, receiver, OTHER, "/orgs/w-org/webhooks")
    at(api, world.tokens["admin"], ROOT).post(f"{REPO}/issues", {"title": "x"})
    delivered(receiver)
    urls = sorted(json.loads(r["body"])["issue"]["url"] for r in receiver.requests)
    assert urls == [f"{OTHER}/api/v1{REPO}/issues/1", f"{ROOT}/api/v1{REPO}/issues/1"]


def test_ping_uses_the_hooks_root(world, api, receiver):
    hook = make_hook(api, world, receiver)
    delivery_mod.attempt_delivery(webhook_ping(actor=actor_for_user(world.admin), hook=hook).pk)
    [body] = receiver.payloads()
    assert body["repository"]["url"] == f"{ROOT}/api/v1{REPO}"
    assert body["hook"]["url"] == receiver.url  # the hook's target, not an API URL


def test_a_hook_without_a_recorded_root_gets_paths_until_a_patch_records_one(world, api, receiver):
    hook = webhook_create(actor=actor_for_user(world.admin), repository=world.public, url=receiver.url,
                          events=["*"], secret="s3cret")  # as hooks made before roots were recorded
    at(api, world.tokens["admin"], ROOT).post(f"{REPO}/issues", {"title": "x"})
    assert delivered(receiver)["issue.opened"]["issue"]["url"] == f"/api/v1{REPO}/issues/1"
    at(api, world.tokens["admin"], ROOT).patch(f"{REPO}/webhooks/{hook.pk}", {"active": True})
    assert Webhook.objects.get(pk=hook.pk).api_root == ROOT
    receiver.requests.clear()
    at(api, world.tokens["admin"], OTHER).post(f"{REPO}/issues", {"title": "y"})
    assert delivered(receiver)["issue.opened"]["issue"]["url"] == f"{ROOT}/api/v1{REPO}/issues/2"


@pytest.mark.parametrize("root", [ROOT, OTHER])
def test_events_api_payload_urls_are_absolute_at_the_request_root(world, api, root):
    at(api, world.tokens["admin"], OTHER).post(f"{REPO}/issues", {"title": "x"})
    reader = at(api, world.tokens["reader"], root)
    [event] = reader.get(f"{REPO}/events", {"type": "issue.opened"}).json()
    issue_url = reader.get(f"{REPO}/issues/1").json()["url"]
    assert event["payload"]["issue"]["url"] == issue_url == f"{root}/api/v1{REPO}/issues/1"
    assert event["repository"]["url"] == f"{root}/api/v1{REPO}"
