"""The resources that land after the foundation (issues, labels, milestones, comments, pulls, agents,
pipelines, webhooks, events). Each test probes its route once against the seeded repo and skips only
when the server answers 404 for it, so these start running as soon as the endpoints exist."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from kizuna_sdk import (
    ConflictError, ForbiddenError, KizunaClient, NotFoundError, NotMergeableError, ValidationError, verify_signature,
)
from kizuna_sdk.models import Agent, Comment, Issue, Label, Milestone, Pipeline, PullRequest, Webhook

from conftest import skip_missing

ORG, REPO = "my-org", "my-repo"
BASE = f"/repos/{ORG}/{REPO}"


@pytest.fixture
def fresh_repo(client, unique):
    name = unique("res")
    client.repos.create(ORG, name, visibility="public", auto_init=True)
    return name


# -- git, for pulls and pipelines -----------------------------------------------------------------
@pytest.fixture(scope="session")
def require_git(server):
    def require(clone_url: str) -> None:
        response = httpx.get(clone_url + "/info/refs", params={"service": "git-upload-pack"},
                             auth=("x", server["tokens"]["alice"]), timeout=30)
        if response.status_code == 404:
            skip_missing("the server does not serve git over HTTP yet (404 on info/refs)")

    return require


def git_push(tmp_path: Path, clone_url: str, token: str, branch: str, files: dict[str, str], message: str = "change") -> str:
    parts = urlsplit(clone_url)
    authed = urlunsplit(parts._replace(netloc=f"x:{token}@{parts.netloc}"))
    work = tmp_path / f"work-{branch.replace('/', '-')}-{time.monotonic_ns()}"
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def git(*args: str, cwd: Path | None = None) -> str:
        return subprocess.run(["git", *args], cwd=cwd or work, env=env, check=True, capture_output=True, text=True, timeout=60).stdout

    git("clone", "-q", authed, str(work), cwd=tmp_path)
    git("checkout", "-q", "-B", branch)
    for path, content in files.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    git("add", "-A")
    git("commit", "-q", "-m", message)
    git("push", "-q", "origin", f"HEAD:refs/heads/{branch}")
    return git("rev-parse", "HEAD").strip()


# -- issues, labels, milestones, comments -----------------------------------------------------------
def test_seed_example_verbatim(client, require_route):
    """The seed's example, in Python (the JS suite runs it verbatim)."""
    require_route(f"{BASE}/issues")
    repos = list(client.repos.list("my-org"))
    issue = client.issues.create("my-org", "my-repo", title="Bug report", body="Something is broken")
    assert "my-repo" in [r.name for r in repos]
    assert isinstance(issue, Issue)
    assert (issue.title, issue.body, issue.state, issue.author.login) == ("Bug report", "Something is broken", "open", "alice")


def test_issues(client, require_route, fresh_repo):
    require_route(f"{BASE}/issues")
    numbers = [client.issues.create(ORG, fresh_repo, f"issue {i}", labels=["bug"] if i % 2 else None).number for i in range(5)]
    listing = client.issues.list(ORG, fresh_repo, per_page=2, sort="created", direction="asc")
    assert [i.number for i in listing] == numbers and listing.total_count == 5
    assert len(list(listing.pages())) == 3
    assert [i.number for i in client.issues.list(ORG, fresh_repo, labels=["bug"])] == sorted(numbers[1::2], reverse=True)
    n = numbers[0]
    assert client.issues.get(ORG, fresh_repo, n).title == "issue 0"
    closed = client.issues.update(ORG, fresh_repo, n, state="closed", state_reason="completed")
    assert closed.state == "closed" and closed.closed_by.login == "alice"
    assert [i.number for i in client.issues.list(ORG, fresh_repo, state="closed")] == [n]
    labels = client.issues.add_labels(ORG, fresh_repo, n, ["bug", "documentation"])
    assert sorted(label.name for label in labels) == ["bug", "documentation"]
    assert [label.name for label in client.issues.remove_label(ORG, fresh_repo, n, "bug")] == ["documentation"]
    with pytest.raises(ValidationError) as info:
        client.issues.create(ORG, fresh_repo, "x", labels=["no-such-label"])
    assert "labels" in info.value.details
    with pytest.raises(ValidationError):
        client.issues.list(ORG, fresh_repo, state="sideways").all()


def test_issue_permissions(make_client, require_route, fresh_repo, client):
    require_route(f"{BASE}/issues")
    n = client.issues.create(ORG, fresh_repo, "mine").number
    with pytest.raises(ForbiddenError):  # an outsider may not close others' issues
        make_client("bob").issues.update(ORG, fresh_repo, n, state="closed")


def test_labels(client, require_route, fresh_repo):
    require_route(f"{BASE}/labels")
    assert {"bug", "good first issue"} <= {label.name for label in client.labels.list(ORG, fresh_repo, per_page=2)}
    label = client.labels.create(ORG, fresh_repo, "needs review", "ff0000", description="d")
    assert isinstance(label, Label) and label.color == "ff0000"
    assert client.labels.get(ORG, fresh_repo, "needs review").description == "d"
    assert client.labels.update(ORG, fresh_repo, "needs review", color="00ff00").color == "00ff00"
    renamed = client.labels.update(ORG, fresh_repo, "needs review", name="reviewing")  # `name` is also a field
    assert renamed.name == "reviewing" and renamed.color == "00ff00"
    client.labels.update(ORG, fresh_repo, "reviewing", name="needs review")
    client.labels.delete(ORG, fresh_repo, "needs review")
    assert "needs review" not in {label.name for label in client.labels.list(ORG, fresh_repo)}
    with pytest.raises(ValidationError):
        client.labels.create(ORG, fresh_repo, "bad", "#zz")


def test_milestones(client, require_route, fresh_repo):
    require_route(f"{BASE}/milestones")
    m = client.milestones.create(ORG, fresh_repo, "v1", description="first", due_on="2027-01-01T00:00:00Z")
    assert isinstance(m, Milestone) and m.state == "open"
    assert client.milestones.get(ORG, fresh_repo, m.number).title == "v1"
    assert client.milestones.update(ORG, fresh_repo, m.number, state="closed").state == "closed"
    assert [x.number for x in client.milestones.list(ORG, fresh_repo, state="closed")] == [m.number]
    client.milestones.delete(ORG, fresh_repo, m.number)
    assert list(client.milestones.list(ORG, fresh_repo, state="all")) == []


def test_comments(client, make_client, require_route, fresh_repo):
    require_route(f"{BASE}/issues")
    n = client.issues.create(ORG, fresh_repo, "talk").number
    require_route(f"/repos/{ORG}/{fresh_repo}/issues/{n}/comments")
    made = [client.comments.create(ORG, fresh_repo, n, f"c{i}") for i in range(3)]
    assert isinstance(made[0], Comment)
    assert [c.body for c in client.comments.list(ORG, fresh_repo, n, per_page=2)] == ["c0", "c1", "c2"]
    assert client.comments.update(ORG, fresh_repo, made[0].id, "edited").body == "edited"
    with pytest.raises(ForbiddenError):
        make_client("bob").comments.update(ORG, fresh_repo, made[1].id, "hijack")
    client.comments.delete(ORG, fresh_repo, made[0].id)
    assert [c.body for c in client.comments.list(ORG, fresh_repo, n)] == ["c1", "c2"]


# -- pull requests ----------------------------------------------------------------------------------
def test_pulls(client, server, require_route, require_git, fresh_repo, tmp_path):
    require_route(f"{BASE}/pulls")
    repo = client.repos.get(ORG, fresh_repo)
    require_git(repo.clone_url)
    token = server["tokens"]["alice"]
    head = git_push(tmp_path, repo.clone_url, token, "feature/one", {"one.txt": "1\n"})
    git_push(tmp_path, repo.clone_url, token, "feature/two", {"two.txt": "2\n"})

    pr = client.pulls.create(ORG, fresh_repo, "One", "feature/one", body="adds one")
    assert isinstance(pr, PullRequest) and (pr.head.ref, pr.base.ref, pr.draft) == ("feature/one", repo.default_branch, False)
    assert client.pulls.get(ORG, fresh_repo, pr.number).head.sha == head
    assert client.pulls.update(ORG, fresh_repo, pr.number, title="One!").title == "One!"
    client.pulls.create_comment(ORG, fresh_repo, pr.number, "looks good")
    assert [c.body for c in client.pulls.comments(ORG, fresh_repo, pr.number)] == ["looks good"]
    draft = client.pulls.create(ORG, fresh_repo, "Two", "feature/two", draft=True)
    assert [p.number for p in client.pulls.list(ORG, fresh_repo, draft=True)] == [draft.number]
    with pytest.raises(NotMergeableError) as info:
        client.pulls.merge(ORG, fresh_repo, draft.number)
    assert info.value.status == 405
    assert client.pulls.ready(ORG, fresh_repo, draft.number).draft is False

    with pytest.raises(ConflictError) as info:
        client.pulls.merge(ORG, fresh_repo, pr.number, sha="0" * 40)
    assert info.value.status == 409
    result = client.pulls.merge(ORG, fresh_repo, pr.number, merge_method="squash", sha=head)
    assert result.merged is True and len(result.sha) == 40
    assert client.pulls.get(ORG, fresh_repo, pr.number).merged is True
    with pytest.raises(NotMergeableError):
        client.pulls.merge(ORG, fresh_repo, pr.number)
    assert [p.number for p in client.pulls.list(ORG, fresh_repo, state="all", per_page=1)] == [draft.number, pr.number]


def test_branches(client, require_route, fresh_repo):
    require_route(f"{BASE}/branches")
    repo = client.repos.get(ORG, fresh_repo)
    branches = list(client.repos.branches(ORG, fresh_repo))
    assert [b.name for b in branches] == [repo.default_branch]
    assert client.repos.branch(ORG, fresh_repo, repo.default_branch).commit.sha == branches[0].commit.sha


def test_commits(client, require_route, fresh_repo):
    require_route(f"{BASE}/commits")
    repo = client.repos.get(ORG, fresh_repo)
    commits = list(client.repos.commits(ORG, fresh_repo, sha=repo.default_branch))
    assert len(commits) == 1 and commits[0].parents == ()
    assert client.repos.commit(ORG, fresh_repo, commits[0].sha).sha == commits[0].sha


def test_contents(client, require_route, fresh_repo):
    require_route(f"{BASE}/contents/README.md")  # the seeded repo was created with auto_init
    repo = client.repos.get(ORG, fresh_repo)
    file = client.repos.contents(ORG, fresh_repo, "README.md", ref=repo.default_branch)
    assert (file.type, file.path, file.encoding) == ("file", "README.md", "base64")
    assert base64.b64decode(file.content).startswith(f"# {fresh_repo}".encode())


def test_git_over_http_and_the_read_endpoints(client, make_client, server, require_route, require_git, fresh_repo, tmp_path):
    """Stock git pushes a branch; the branches, commits and contents endpoints show exactly it."""
    require_route(f"{BASE}/branches")
    repo = client.repos.get(ORG, fresh_repo)
    require_git(repo.clone_url)
    sha = git_push(tmp_path, repo.clone_url, server["tokens"]["alice"], "topic/deep", {"docs/a.txt": "alpha\n"}, "add a")
    assert {b.name for b in client.repos.branches(ORG, fresh_repo, per_page=1)} == {repo.default_branch, "topic/deep"}
    assert client.repos.branch(ORG, fresh_repo, "topic/deep").commit.sha == sha
    commits = list(client.repos.commits(ORG, fresh_repo, sha="topic/deep", per_page=1))
    assert [c.sha for c in commits][:1] == [sha] and len(commits) == 2 and commits[0].parents == (commits[1].sha,)
    assert [f.filename for f in client.repos.commit(ORG, fresh_repo, sha).files] == ["docs/a.txt"]
    assert [c.sha for c in client.repos.commits(ORG, fresh_repo, sha="topic/deep", path="docs/a.txt")] == [sha]
    file = client.repos.contents(ORG, fresh_repo, "docs/a.txt", ref="topic/deep")
    assert base64.b64decode(file.content) == b"alpha\n"
    listing = client.repos.contents(ORG, fresh_repo, "docs", ref="topic/deep")
    assert [(e.name, e.type) for e in listing] == [("a.txt", "file")]
    with pytest.raises(NotFoundError):  # not on the default branch
        client.repos.contents(ORG, fresh_repo, "docs/a.txt")
    with pytest.raises(subprocess.CalledProcessError):  # bob may read (public) but not push
        git_push(tmp_path, repo.clone_url, server["tokens"]["bob"], "topic/bob", {"b.txt": "b\n"})


# -- agents -----------------------------------------------------------------------------------------
def test_agents(client, make_client, server, require_route, unique):
    require_route("/agents")
    name = unique("bot")
    agent = client.agents.register(name, "claude", "4", capabilities=["ci"], description="helps")
    assert isinstance(agent, Agent) and agent.token.startswith("kza_") and agent.trust_level == 1
    assert client.agents.get(agent.id).name == name
    assert name in [a.name for a in client.agents.list(capability="ci")]
    assert client.agents.update(agent.id, trust_level=2, description="more").trust_level == 2
    with pytest.raises(ValidationError):
        client.agents.update(agent.id, name="renamed")
    me = KizunaClient(server["url"], agent.token).request("GET", "/user")
    assert (me.type, me.name) == ("Agent", name)
    rotated = client.agents.rotate_token(agent.id)
    assert rotated.token.startswith("kza_") and rotated.token != agent.token
    assert KizunaClient(server["url"], rotated.token).request("GET", "/user").name == name
    assert "agent.registered" in [e.type for e in client.agents.events(agent.id)]
    with pytest.raises(ForbiddenError):
        make_client("bob").agents.events(agent.id).all()


# -- pipelines --------------------------------------------------------------------------------------
PIPELINE_YML = "jobs:\n  test:\n    steps:\n      - run: echo \"hello $GREETING\"\n"


def test_pipelines(client, server, require_route, require_git, fresh_repo, tmp_path, unique):
    """Trigger through the SDK, run the job with `kizuna-runner` (the real agent job protocol, cloning
    over git HTTP with the job token), then read the log the runner streamed, whole and from an offset."""
    require_route(f"{BASE}/pipelines")
    repo = client.repos.get(ORG, fresh_repo)
    require_git(repo.clone_url)
    sha = git_push(tmp_path, repo.clone_url, server["tokens"]["alice"], repo.default_branch, {".kizuna/pipeline.yml": PIPELINE_YML})
    pipeline = client.pipelines.trigger(ORG, fresh_repo, ref=repo.default_branch, variables={"GREETING": "from-the-sdk"})
    assert isinstance(pipeline, Pipeline) and pipeline.trigger == "api" and list(pipeline.variables) == ["GREETING"]
    assert (pipeline.sha, pipeline.status, [j.name for j in pipeline.jobs]) == (sha, "pending", ["test"])
    assert client.pipelines.get(ORG, fresh_repo, pipeline.id).number == pipeline.number
    assert [p.id for p in client.pipelines.list(ORG, fresh_repo, trigger="api")] == [pipeline.id]

    agent = client.agents.register(unique("runner"), "claude", "4", capabilities=["ci"], trust_level=2)
    runner = subprocess.run(
        [sys.executable, "-m", "kizuna_sdk.runner", "--url", server["url"], "--token", agent.token, "--once",
         "--wait", "10", "--workdir", str(tmp_path / "runner")],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert runner.returncode == 0, runner.stderr
    done = client.pipelines.get(ORG, fresh_repo, pipeline.id)
    assert (done.status, done.jobs[0].status, done.jobs[0].exit_code, done.jobs[0].agent.login) == ("success", "success", 0, agent.name)
    log = client.pipelines.log(ORG, fresh_repo, pipeline.id, done.jobs[0].id)
    assert "hello from-the-sdk" in log and sha in log
    offset = log.encode().index(b"hello from")  # a byte offset (Range: bytes=N-)
    assert client.pipelines.log(ORG, fresh_repo, pipeline.id, done.jobs[0].id, offset=offset) == "hello from-the-sdk\n"
    with pytest.raises(ConflictError):  # finished
        client.pipelines.cancel(ORG, fresh_repo, pipeline.id)

    second = client.pipelines.trigger(ORG, fresh_repo)  # default branch; nobody claims it
    client.pipelines.cancel(ORG, fresh_repo, second.id)
    assert client.pipelines.get(ORG, fresh_repo, second.id).status == "canceled"
    with pytest.raises(ConflictError):
        client.pipelines.cancel(ORG, fresh_repo, second.id)
    with pytest.raises(ValidationError) as info:
        client.pipelines.trigger(ORG, fresh_repo, ref="no-such-branch")
    assert info.value.details


# -- webhooks ---------------------------------------------------------------------------------------
@pytest.fixture
def receiver(stub):
    cond = threading.Condition()

    def answer(handler):  # the stub has already recorded the request
        with cond:
            cond.notify_all()
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    s = stub(answer)

    def wait_for(count: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        with cond:
            while len(s.requests) < count and time.monotonic() < deadline:
                cond.wait(0.2)
        return s.requests

    s.wait_for = wait_for
    return s


def test_webhooks_signed_by_the_server(client, require_route, receiver, fresh_repo):
    require_route(f"{BASE}/webhooks")
    secret = "top-secret"
    hook = client.webhooks.create(ORG, fresh_repo, url=receiver.url + "/hook", events=["*"], secret=secret)
    assert isinstance(hook, Webhook) and hook.has_secret is True and "secret" not in hook
    client.webhooks.ping(ORG, fresh_repo, hook.id)
    requests = receiver.wait_for(1)
    assert requests, "the server never delivered the ping"
    delivery = {**requests[0], "headers": httpx.Headers(requests[0]["headers"])}
    assert delivery["headers"]["X-Kizuna-Event"] == "ping"
    assert verify_signature(secret, delivery["body"], delivery["headers"])
    assert not verify_signature("wrong", delivery["body"], delivery["headers"])
    assert not verify_signature(secret, delivery["body"] + b" ", delivery["headers"])
    for scheme in ("X-Kizuna-Signature", "webhook-signature"):  # each scheme holds on its own
        only = {k: v for k, v in delivery["headers"].items() if k.lower() != scheme.lower()}
        assert verify_signature(secret, delivery["body"], only)

    deliveries = list(client.webhooks.deliveries(ORG, fresh_repo, hook.id))
    assert deliveries and deliveries[0].event == "ping"
    assert client.webhooks.delivery(ORG, fresh_repo, hook.id, deliveries[0].id).id == deliveries[0].id
    client.webhooks.redeliver(ORG, fresh_repo, hook.id, deliveries[0].id)
    again = receiver.wait_for(2)
    assert len(again) >= 2 and verify_signature(secret, again[1]["body"], again[1]["headers"])
    assert json.loads(again[1]["body"])["event"] == "ping"

    assert client.webhooks.update(ORG, fresh_repo, hook.id, active=False).active is False
    assert [h.id for h in client.webhooks.list(ORG, fresh_repo)] == [hook.id]
    client.webhooks.delete(ORG, fresh_repo, hook.id)
    assert list(client.webhooks.list(ORG, fresh_repo)) == []


def test_org_webhooks(client, require_route, receiver):
    require_route(f"/orgs/{ORG}/webhooks")
    hook = client.webhooks.create(ORG, url=receiver.url + "/org", events=["repository"], secret="s")
    assert client.webhooks.get(ORG, None, hook.id).url == receiver.url + "/org"
    assert hook.id in [h.id for h in client.webhooks.list(ORG)]
    client.webhooks.delete(ORG, None, hook.id)


# -- events -----------------------------------------------------------------------------------------
def test_events_list(client, require_route, fresh_repo):
    require_route(f"{BASE}/events")
    client.repos.update(ORG, fresh_repo, description="touched")
    events = list(client.events.list(ORG, fresh_repo, per_page=1))
    assert events[0].type == "repository.updated" and events[0].actor.login == "alice"
    assert [e.id for e in events] == sorted((e.id for e in events), reverse=True)
    assert [e.type for e in client.events.list(ORG, fresh_repo, type="repository.updated")] == ["repository.updated"]


def test_events_stream_resumes_after_last_event_id(client, require_route, fresh_repo):
    require_route(f"{BASE}/events")
    require_route(f"{BASE}/events/stream")
    before = client.events.list(ORG, fresh_repo).first()
    client.repos.update(ORG, fresh_repo, description="one")
    client.repos.update(ORG, fresh_repo, description="two")
    stream = client.events.stream(ORG, fresh_repo, last_event_id=before.id, max_reconnects=0, read_timeout=20)
    try:
        got = [next(stream), next(stream)]
    finally:
        stream.close()
    assert [e.type for e in got] == ["repository.updated", "repository.updated"]
    assert before.id < got[0].id < got[1].id


def test_user_events_stream(client, require_route, fresh_repo):
    """`events.stream()` without a repository: /user/events/stream, resuming after an event id."""
    require_route("/user/events/stream")
    before = client.events.list(ORG, fresh_repo).first()
    client.repos.update(ORG, fresh_repo, description="user stream")
    stream = client.events.stream(last_event_id=before.id, max_reconnects=0, read_timeout=20)
    ours = None
    try:
        for _ in range(50):  # other repositories' events may come first; ours is among the next few
            event = next(stream)
            assert event.id > before.id
            if event.repository and event.repository.full_name == f"{ORG}/{fresh_repo}":
                ours = event
                break
    finally:
        stream.close()
    assert ours is not None, "the user stream never showed the repository's event"
    assert ours.type == "repository.updated" and ours.actor.login == "alice"
