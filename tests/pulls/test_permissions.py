"""Who may open, ready and merge pull requests (docs/api.md §3, §10): a table of agent trust levels and roles."""

import uuid

import pytest

from repos import git as repo_git

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub/pulls"


@pytest.fixture
def w(pr_world, api):
    pr_world.api = api(pr_world.tokens["admin"])
    w = pr_world
    w.clone.branch("release", "main")
    w.clone.push("release")  # a non-default base
    return w


def new_branch(w, start="main"):
    name = f"topic-{uuid.uuid4().hex[:6]}"
    w.clone.branch(name, start)
    w.clone.commit({f"{name}.txt": "x\n"}, f"work on {name}")
    w.clone.push(name)
    return name


def caller(w, api, make_agent, who, trust):
    if who == "agent":
        _agent, token = make_agent(w.writer, trust_level=trust)
        return api(token)
    return api(w.tokens[who])


# (operation, caller, trust, expected status, required trust in the 403 details)
MATRIX = [
    ("open_draft", "agent", 0, 403, 1),
    ("open_draft", "agent", 1, 201, None),
    ("open_ready", "agent", 1, 403, 2),
    ("open_ready", "agent", 2, 201, None),
    ("open_ready", "reader", None, 201, None),
    ("open_ready", "outsider", None, 201, None),  # public repo: any signed-in reader may open a PR
    ("ready_own", "agent", 1, 403, 2),
    ("ready_own", "agent", 2, 200, None),
    ("ready_others", "agent", 1, 403, 2),
    ("ready_others", "agent", 2, 200, None),
    ("ready_others", "reader", None, 403, None),
    ("ready_others", "writer", None, 200, None),
    ("merge_non_default", "agent", 2, 403, 3),
    ("merge_non_default", "agent", 3, 200, None),
    ("merge_default", "agent", 3, 403, 4),
    ("merge_default", "agent", 4, 200, None),
    ("merge_default", "reader", None, 403, None),
    ("merge_default", "writer", None, 200, None),
    ("merge_default", "maintainer", None, 200, None),
    ("comment", "agent", 0, 403, 1),
    ("comment", "agent", 1, 201, None),
    ("label_others", "agent", 2, 403, 3),
    ("label_others", "agent", 3, 200, None),
    ("label_others", "reader", None, 403, None),
]


@pytest.mark.parametrize("operation, who, trust, expected, required", MATRIX)
def test_permission_matrix(w, api, make_agent, operation, who, trust, expected, required):
    client = caller(w, api, make_agent, who, trust)
    branch = new_branch(w)
    if operation in ("open_draft", "open_ready"):
        response = client.post(BASE, {"title": "t", "head": branch, "draft": operation == "open_draft"})
    elif operation == "ready_own":
        # the caller opens its own draft (trust 1 suffices), then marks it ready
        opened = client.post(BASE, {"title": "t", "head": branch, "draft": True})
        assert opened.status_code == 201, opened.json()
        response = client.post(f"{BASE}/{opened.json()['number']}/ready")
    else:
        base = "release" if operation == "merge_non_default" else "main"
        pr = w.api.post(BASE, {"title": "t", "head": branch, "base": base, "draft": operation == "ready_others"}).json()
        url = f"{BASE}/{pr['number']}"
        if operation == "ready_others":
            response = client.post(f"{url}/ready")
        elif operation == "comment":
            response = client.post(f"{url}/comments", {"body": "hi"})
        elif operation == "label_others":
            response = client.patch(url, {"labels": []})
        else:
            response = client.post(f"{url}/merge", {"sha": pr["head"]["sha"]})
    assert response.status_code == expected, response.json()
    if expected == 403:
        assert response.json()["error"]["code"] == "FORBIDDEN"
        if required is not None:
            assert response.json()["error"]["details"] == {"required_trust_level": required, "trust_level": trust}


def test_agent_patch_is_403_naming_the_trust_before_the_body_is_validated(w, api, make_agent):
    _agent, token = make_agent(w.writer, trust_level=2)
    client = api(token)
    theirs = w.api.post(BASE, {"title": "t", "head": new_branch(w)}).json()["number"]
    own = client.post(BASE, {"title": "t", "head": new_branch(w)}).json()["number"]
    for number, data in ((theirs, {"title": ""}), (own, {"labels": "not a list"})):
        response = client.patch(f"{BASE}/{number}", data)
        assert response.status_code == 403, response.json()
        assert response.json()["error"]["details"] == {"required_trust_level": 3, "trust_level": 2}
    assert client.patch(f"{BASE}/{own}", {"title": ""}).status_code == 422


def test_agents_must_send_sha(w, api, make_agent):
    _agent, token = make_agent(w.writer, trust_level=4)
    client = api(token)
    branch = new_branch(w)
    pr = w.api.post(BASE, {"title": "t", "head": branch}).json()
    response = client.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "squash"})
    assert response.status_code == 422 and response.json()["error"]["details"] == {"sha": ["is required for agents"]}
    assert repo_git.branch_sha(w.repo.pk, "main") == pr["base"]["sha"]
    merged = client.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "squash", "sha": pr["head"]["sha"]})
    assert merged.status_code == 200
    assert w.api.get(f"{BASE}/{pr['number']}").json()["merged_by"]["type"] == "Agent"


def test_anonymous_and_read_only_tokens(w, api, make_token):
    branch = new_branch(w)
    assert api().get(BASE).status_code == 200
    assert api().post(BASE, {"title": "t", "head": branch}).status_code == 401
    read_only = api(make_token(w.writer, scopes=["read"]))
    response = read_only.post(BASE, {"title": "t", "head": branch})
    assert response.status_code == 403
