"""OWASP API Security Top 10 (2023) as tests: API1 object-level authorization, API3 mass assignment
of server-owned fields, API4 unrestricted resource consumption, API5 function-level authorization.
(API9 inventory: tests/api/test_schema_coverage.py.)"""

import pytest

from kizuna.accounts.models import Token

pytestmark = pytest.mark.django_db


def private_paths(w) -> list[str]:
    base = "/repos/w-org/priv"
    return [
        base, f"{base}/branches", f"{base}/branches/main", f"{base}/commits", f"{base}/contents/README.md",
        f"{base}/issues", f"{base}/issues/{w.issue}", f"{base}/issues/{w.issue}/comments",
        f"{base}/issues/{w.issue}/labels", f"{base}/issues/comments/{w.comment}", f"{base}/labels",
        f"{base}/labels/bug", f"{base}/milestones", f"{base}/milestones/{w.milestone}", f"{base}/pulls",
        f"{base}/pipelines", f"{base}/pipelines/{w.pipeline}", f"{base}/pipelines/{w.pipeline}/jobs/{w.job}/log",
        f"{base}/webhooks", f"{base}/webhooks/{w.hook}", f"{base}/webhooks/{w.hook}/deliveries",
        f"{base}/webhooks/{w.hook}/deliveries/{w.delivery}", f"{base}/events", f"{base}/deploy-tokens",
    ]


# --- API1: broken object-level authorization ------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_private_objects_are_404_to_outsiders(api, loaded, who):
    client = api(loaded.tokens["outsider"] if who == "outsider" else None)
    answers = {path: client.get(path).status_code for path in private_paths(loaded)}
    assert set(answers.values()) == {404}, {p: s for p, s in answers.items() if s != 404}


def test_private_writes_are_404_to_outsiders(api, loaded):
    client, base = api(loaded.tokens["outsider"]), "/repos/w-org/priv"
    for response in (
        client.post(f"{base}/issues", {"title": "x"}),
        client.patch(f"{base}/issues/{loaded.issue}", {"title": "x"}),
        client.post(f"{base}/issues/{loaded.issue}/comments", {"body": "x"}),
        client.patch(f"{base}/issues/comments/{loaded.comment}", {"body": "x"}),
        client.delete(f"{base}/issues/comments/{loaded.comment}"),
        client.post(f"{base}/pipelines", {}),
        client.post(f"{base}/pipelines/{loaded.pipeline}/cancel"),
        client.delete(f"{base}/webhooks/{loaded.hook}"),
        client.delete(f"{base}/deploy-tokens/{loaded.deploy_id}"),
        client.delete(base),
    ):
        assert response.status_code == 404, (response.request["PATH_INFO"], response.content)


def test_ids_of_a_private_repo_are_404_through_the_callers_own_repo(api, loaded):
    """The outsider is admin of w-out/own: ids and numbers of w-org/priv must not resolve through it."""
    client, own = api(loaded.tokens["outsider"]), "/repos/w-out/own"
    checks = [
        client.get(f"{own}/issues/comments/{loaded.comment}"),
        client.patch(f"{own}/issues/comments/{loaded.comment}", {"body": "pwned"}),
        client.delete(f"{own}/issues/comments/{loaded.comment}"),
        client.get(f"{own}/pipelines/{loaded.pipeline}"),
        client.post(f"{own}/pipelines/{loaded.pipeline}/cancel"),
        client.get(f"{own}/pipelines/{loaded.pipeline}/jobs/{loaded.job}/log"),
        client.get(f"{own}/webhooks/{loaded.hook}"),
        client.patch(f"{own}/webhooks/{loaded.hook}", {"active": False}),
        client.get(f"{own}/webhooks/{loaded.own_hook}/deliveries/{loaded.delivery}"),
        client.post(f"{own}/webhooks/{loaded.own_hook}/deliveries/{loaded.delivery}/redeliver"),
        client.delete(f"{own}/deploy-tokens/{loaded.deploy_id}"),
        client.get(f"{own}/milestones/{loaded.milestone}"),
    ]
    assert [r.status_code for r in checks] == [404] * len(checks), [(r.request["PATH_INFO"], r.status_code) for r in checks]
    from issues.models import Comment

    assert Comment.objects.get(pk=loaded.comment).body == "secret"
    assert Token.objects.get(pk=loaded.deploy_id).revoked_at is None


# --- API5: broken function-level authorization ----------------------------------------------------
# One representative write per app, on the public repo; expected status per role.
WRITES = {
    "issue": ("post", "/repos/w-org/pub/issues", {"title": "t"}, {"outsider": 201, "reader": 201, "writer": 201, "maintainer": 201, "admin": 201}),
    "label": ("post", "/repos/w-org/pub/labels", {"name": "x", "color": "000000"}, {"outsider": 403, "reader": 403, "writer": 201, "maintainer": 201, "admin": 201}),
    "pipeline": ("post", "/repos/w-org/pub/pipelines", {}, {"outsider": 403, "reader": 403, "writer": 201, "maintainer": 201, "admin": 201}),
    "webhook": ("post", "/repos/w-org/pub/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"]}, {"outsider": 403, "reader": 403, "writer": 403, "maintainer": 403, "admin": 201}),
    "deploy_token": ("post", "/repos/w-org/pub/deploy-tokens", {"name": "d"}, {"outsider": 403, "reader": 403, "writer": 403, "maintainer": 403, "admin": 201}),
    "repo_settings": ("patch", "/repos/w-org/pub", {"description": "d"}, {"outsider": 403, "reader": 403, "writer": 403, "maintainer": 403, "admin": 200}),
    "member": ("put", "/orgs/w-org/members/w-out", {"role": "read"}, {"outsider": 403, "reader": 403, "writer": 403, "maintainer": 403, "admin": 200}),
    "org_webhook": ("post", "/orgs/w-org/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"]}, {"outsider": 403, "reader": 403, "writer": 403, "maintainer": 403, "admin": 201}),
}


@pytest.fixture
def public_ci(world, settings):
    from tests.contract.conftest import PIPELINE
    from tests.pipelines.conftest import commit_files

    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    commit_files(world.public, {".kizuna/pipeline.yml": PIPELINE})
    return world


@pytest.mark.parametrize("endpoint", sorted(WRITES))
@pytest.mark.parametrize("role", ["outsider", "reader", "writer", "maintainer", "admin"])
def test_personal_token_roles(api, public_ci, role, endpoint):
    method, path, body, expected = WRITES[endpoint]
    want = expected[role]
    if endpoint in ("member", "org_webhook") and role == "outsider":
        want = 404 if endpoint == "org_webhook" else 403
    response = getattr(api(public_ci.tokens[role]), method)(path, body)
    assert response.status_code in ({want} if endpoint != "org_webhook" or role != "outsider" else {403, 404}), response.content


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_read_scoped_personal_token_writes_nothing(api, public_ci, make_token, endpoint):
    method, path, body, _ = WRITES[endpoint]
    token = make_token(public_ci.admin, scopes=["read"])
    response = getattr(api(token), method)(path, body)
    assert response.status_code == 403, response.content


@pytest.mark.parametrize("endpoint", sorted(WRITES))
@pytest.mark.parametrize("scopes", [["read"], ["read", "write"]])
def test_deploy_token_does_only_reads_pushes_and_pipelines(api, public_ci, make_token, endpoint, scopes):
    method, path, body, _ = WRITES[endpoint]
    token = make_token(kind=Token.Kind.DEPLOY, repository=public_ci.public, scopes=scopes)
    response = getattr(api(token), method)(path, body)
    allowed = endpoint == "pipeline" and "write" in scopes
    assert (response.status_code == 201) == allowed, response.content
    if not allowed:
        assert response.status_code in (401, 403, 404), response.content


TRUST_NEEDED = {"issue": 1, "label": 3, "pipeline": 2, "webhook": 4, "deploy_token": 4, "repo_settings": 4}


@pytest.mark.parametrize("endpoint", sorted(TRUST_NEEDED))
@pytest.mark.parametrize("trust", [0, 1, 2, 3, 4])
def test_agent_token_capped_by_trust(api, public_ci, make_token, endpoint, trust):
    """The agent's operator is the org admin, so only the trust level caps it."""
    from agents.models import Agent
    from kizuna.accounts.actors import actor_for_agent

    agent = Agent.objects.create(name=f"bot{trust}", operator=public_ci.admin, model_family="t", model_version="1",
                                 trust_level=trust)
    actor_for_agent(agent)
    token = make_token(kind=Token.Kind.AGENT, agent=agent)
    method, path, body, _ = WRITES[endpoint]
    response = getattr(api(token), method)(path, body)
    if trust >= TRUST_NEEDED[endpoint]:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403, response.content


# --- API3: mass assignment of server-owned fields -------------------------------------------------
def test_issue_server_owned_fields_are_ignored(api, world):
    client = api(world.tokens["writer"])
    body = client.post("/repos/w-org/pub/issues", {
        "title": "t", "id": 999, "number": 999, "author": {"id": world.admin.pk, "login": "w-admin", "type": "User"},
        "created_at": "2000-01-01T00:00:00Z", "comments": 50, "closed_by": "w-admin", "url": "http://evil",
    }).json()
    assert body["number"] == 1 and body["id"] != 999 and body["author"]["login"] == "w-writer"
    assert body["created_at"] > "2001" and body["comments"] == 0 and "evil" not in body["url"]
    patched = client.patch(f"/repos/w-org/pub/issues/{body['number']}", {"number": 7, "author": "w-admin", "id": 1}).json()
    assert patched["number"] == 1 and patched["author"]["login"] == "w-writer" and patched["id"] == body["id"]


def test_comment_author_is_not_assignable(api, world):
    client = api(world.tokens["reader"])
    number = client.post("/repos/w-org/pub/issues", {"title": "t"}).json()["number"]
    comment = client.post(f"/repos/w-org/pub/issues/{number}/comments",
                          {"body": "b", "author": "w-admin", "id": 1, "created_at": "2000-01-01T00:00:00Z"}).json()
    assert comment["author"]["login"] == "w-reader" and comment["created_at"] > "2001"


def test_pull_request_merge_state_is_not_assignable(api, loaded):
    from tests.pipelines.conftest import commit_files

    commit_files(loaded.public, {"a.txt": "a"})
    commit_files(loaded.public, {"a.txt": "a"}, branch="main")
    import pygit2

    from repos import git as repo_git

    git_repo = pygit2.Repository(str(repo_git.repo_path(loaded.public.pk)))
    main = git_repo.get(git_repo.references["refs/heads/main"].target)
    builder = git_repo.TreeBuilder(main.tree)
    builder.insert("b.txt", git_repo.create_blob(b"b"), pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("T", "t@example.com")
    git_repo.create_commit("refs/heads/feature", sig, sig, "f", builder.write(), [main.id])
    client = api(loaded.tokens["writer"])
    pr = client.post("/repos/w-org/pub/pulls", {"title": "p", "head": "feature", "merged": True,
                                                "merged_at": "2000-01-01T00:00:00Z", "merge_commit_sha": "0" * 40}).json()
    assert pr["merged"] is False and pr["merged_at"] is None and pr["merge_commit_sha"] is None
    patched = client.patch(f"/repos/w-org/pub/pulls/{pr['number']}", {"merged": True, "merged_by": "w-admin",
                                                                       "head": {"ref": "main"}, "commits": 99}).json()
    assert patched["merged"] is False and patched["merged_by"] is None and patched["head"]["ref"] == "feature"


def test_agent_immutable_fields_are_422_and_server_fields_ignored(api, world):
    client = api(world.tokens["admin"])
    agent = client.post("/agents", {"name": "bot", "model_family": "m", "model_version": "1",
                                    "reputation_score": 1.0, "operator": "w-out", "status": "suspended"}).json()
    assert agent["operator"]["login"] == "w-admin" and agent["reputation_score"] != 1.0 or agent["reputation_score"] is None
    for field, value in (("operator", "w-out"), ("name", "other"), ("model_family", "x"), ("model_version", "2")):
        response = client.patch(f"/agents/{agent['id']}", {field: value})
        assert response.status_code == 422 and field in response.json()["error"]["details"], field
    before = client.get(f"/agents/{agent['id']}").json()
    client.patch(f"/agents/{agent['id']}", {"reputation_score": 1.0, "id": "x", "created_at": "2000-01-01T00:00:00Z",
                                            "last_audited": "2000-01-01T00:00:00Z"})
    after = client.get(f"/agents/{agent['id']}").json()
    assert {k: after[k] for k in ("id", "reputation_score", "created_at")} == {k: before[k] for k in ("id", "reputation_score", "created_at")}


def test_agent_cannot_raise_its_own_trust(api, world, make_token):
    from agents.models import Agent

    agent = Agent.objects.create(name="selfish", operator=world.admin, model_family="t", model_version="1", trust_level=1)
    token = make_token(kind=Token.Kind.AGENT, agent=agent)
    response = api(token).patch(f"/agents/{agent.pk}", {"trust_level": 4})
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.trust_level == 1


def test_webhook_has_secret_and_owner_are_not_assignable(api, world, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    client = api(world.tokens["admin"])
    hook = client.post("/repos/w-org/pub/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"], "has_secret": True,
                                                     "repository": "w-org/priv", "id": 77}).json()
    assert hook["has_secret"] is False and hook["repository"] == "w-org/pub" and hook["id"] != 77


def test_token_owner_and_kind_are_not_assignable(api, world):
    body = api(world.tokens["writer"]).post("/user/tokens", {"name": "n", "user": world.admin.pk, "kind": "deploy"})
    assert body.status_code == 403 or body.json().get("token", "").startswith("kzp_")


# --- API4: unrestricted resource consumption ------------------------------------------------------
def test_body_over_the_limit_is_413(api, world, settings):
    settings.KIZUNA_MAX_BODY_BYTES = 1024
    response = api(world.tokens["writer"]).post("/repos/w-org/pub/issues", {"title": "t", "body": "x" * 2000})
    assert response.status_code == 413 and response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_per_page_is_capped_at_100(api, world):
    from issues.models import Label

    Label.objects.bulk_create([Label(repository=world.public, name=f"l{i}", color="000000") for i in range(120)])
    response = api(world.tokens["reader"]).get("/repos/w-org/pub/labels", {"per_page": 10000})
    assert response.status_code == 200 and len(response.json()) == 100


def test_huge_page_number_is_an_empty_page(api, world):
    response = api(world.tokens["reader"]).get("/repos/w-org/pub/issues", {"page": 10**30})
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("wait", [31, 10**6, -1])
def test_long_poll_wait_is_capped(api, world, make_token, wait):
    from agents.models import Agent

    agent = Agent.objects.create(name="runner", operator=world.admin, model_family="t", model_version="1",
                                 trust_level=2, capabilities=["ci"])
    token = make_token(kind=Token.Kind.AGENT, agent=agent)
    response = api(token).post("/agent/jobs/claim", {"wait": wait})
    assert response.status_code == 422 and "wait" in response.json()["error"]["details"]


def test_sse_streams_per_caller_are_capped(api, world, settings, monkeypatch):
    from asgiref.sync import sync_to_async

    from kizuna.api import pool
    from kizuna.events.streams import views

    monkeypatch.setattr(pool, "db", lambda fn: sync_to_async(fn, thread_sensitive=True))
    settings.KIZUNA_SSE_MAX_STREAMS_PER_CALLER = 2
    monkeypatch.setattr(views, "open_streams", {f"user:{world.reader.pk}": 2})
    response = api(world.tokens["reader"]).get("/repos/w-org/pub/events/stream")
    assert response.status_code == 429, response
    body = response.json()["error"]
    assert body["code"] == "RATE_LIMITED" and body["details"] == {"max_streams": 2} and response["Retry-After"]
    # Another caller is not affected, and a closed stream gives its slot back.
    settings.KIZUNA_SSE_MAX_SECONDS = 0.01
    other = api(world.tokens["writer"]).get("/repos/w-org/pub/events/stream")
    assert other.status_code == 200
    other.close()
    assert f"user:{world.writer.pk}" not in views.open_streams
