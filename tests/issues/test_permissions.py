"""The permission matrix of docs/api.md §3 and §10 for issues, labels, milestones and comments."""

import pytest

from issues import services
from kizuna.accounts.models import Token
from kizuna.accounts.actors import actor_for_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "reader", "writer", "maintainer", "admin")


def client_for(world, api, who):
    return api() if who == "anonymous" else api(world.tokens[who])


@pytest.fixture
def setup(world, make_issue):
    """In each repo: issue #1 by the admin with a comment by the admin; issue #2 by the reader."""
    admin = actor_for_user(world.admin)
    for repo in (world.public, world.private):
        one = make_issue(repo, world.admin, title="admin's")
        services.comment_create(issue=one, actor=admin, body="admin's comment")
        make_issue(repo, world.reader, title="reader's")
        services.milestone_create(repo=repo, actor=admin, title="m")
    return world


def comment_id(repo):
    from issues.models import Comment

    return Comment.objects.get(issue__repository=repo, body="admin's comment").pk


READ = {"anonymous": 200, "outsider": 200, "reader": 200, "writer": 200, "maintainer": 200, "admin": 200}
READ_PRIVATE = {**READ, "anonymous": 404, "outsider": 404}
# Any signed-in reader may open issues and comment (outsiders too, on a public repo).
COMMENT = {"anonymous": 401, "outsider": 201, "reader": 201, "writer": 201, "maintainer": 201, "admin": 201}
COMMENT_PRIVATE = {**COMMENT, "outsider": 404}
TRIAGE = {"anonymous": 401, "outsider": 403, "reader": 403, "writer": 200, "maintainer": 200, "admin": 200}
TRIAGE_PRIVATE = {**TRIAGE, "outsider": 404}
MODERATE = {"anonymous": 401, "outsider": 403, "reader": 403, "writer": 403, "maintainer": 204, "admin": 204}
MODERATE_PRIVATE = {**MODERATE, "outsider": 404}

CASES = [
    # (name, method, path, body, public matrix, private matrix)
    ("list", "get", "/issues", None, READ, READ_PRIVATE),
    ("get", "get", "/issues/1", None, READ, READ_PRIVATE),
    ("comments", "get", "/issues/1/comments", None, READ, READ_PRIVATE),
    ("labels", "get", "/labels", None, READ, READ_PRIVATE),
    ("label", "get", "/labels/bug", None, READ, READ_PRIVATE),
    ("milestones", "get", "/milestones", None, READ, READ_PRIVATE),
    ("open", "post", "/issues", {"title": "t"}, COMMENT, COMMENT_PRIVATE),
    ("comment", "post", "/issues/1/comments", {"body": "hi"}, COMMENT, COMMENT_PRIVATE),
    ("open with labels", "post", "/issues", {"title": "t", "labels": ["bug"]},
     {**TRIAGE, "writer": 201, "maintainer": 201, "admin": 201}, {**TRIAGE_PRIVATE, "writer": 201, "maintainer": 201, "admin": 201}),
    ("edit others' title", "patch", "/issues/1", {"title": "x"}, TRIAGE, TRIAGE_PRIVATE),
    ("close others' issue", "patch", "/issues/1", {"state": "closed"}, TRIAGE, TRIAGE_PRIVATE),
    ("set labels", "patch", "/issues/2", {"labels": ["bug"]}, TRIAGE, TRIAGE_PRIVATE),
    ("set assignees", "patch", "/issues/2", {"assignees": ["w-reader"]}, TRIAGE, TRIAGE_PRIVATE),
    ("set milestone", "patch", "/issues/2", {"milestone": 1}, TRIAGE, TRIAGE_PRIVATE),
    ("add labels", "post", "/issues/1/labels", {"labels": ["bug"]}, TRIAGE, TRIAGE_PRIVATE),
    ("replace labels", "put", "/issues/1/labels", {"labels": ["bug"]}, TRIAGE, TRIAGE_PRIVATE),
    ("edit others' comment", "patch", "/issues/comments/{comment}", {"body": "x"}, TRIAGE, TRIAGE_PRIVATE),
    ("delete others' comment", "delete", "/issues/comments/{comment}", None, MODERATE, MODERATE_PRIVATE),
    ("create label", "post", "/labels", {"name": "new", "color": "000000"},
     {**TRIAGE, "writer": 201, "maintainer": 201, "admin": 201}, {**TRIAGE_PRIVATE, "writer": 201, "maintainer": 201, "admin": 201}),
    ("edit label", "patch", "/labels/bug", {"color": "000000"}, TRIAGE, TRIAGE_PRIVATE),
    ("create milestone", "post", "/milestones", {"title": "new"},
     {**TRIAGE, "writer": 201, "maintainer": 201, "admin": 201}, {**TRIAGE_PRIVATE, "writer": 201, "maintainer": 201, "admin": 201}),
    ("edit milestone", "patch", "/milestones/1", {"title": "renamed"}, TRIAGE, TRIAGE_PRIVATE),
]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matrix(setup, api, who, visibility, case):
    world = setup
    name, method, path, body, public_expected, private_expected = case
    repo = world.public if visibility == "public" else world.private
    expected = (public_expected if visibility == "public" else private_expected)[who]
    path = path.format(comment=comment_id(repo))
    client = client_for(world, api, who)
    url = f"/repos/w-org/{repo.name}{path}"
    response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
    assert response.status_code == expected, (name, who, visibility, response.content[:300])
    if expected in (401, 403, 404):
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize("who", ["outsider", "reader"])
def test_own_issue_and_comment_need_only_comment(setup, api, who):
    world = setup
    client = api(world.tokens[who])
    number = client.post("/repos/w-org/pub/issues", {"title": "mine"}).json()["number"]
    url = f"/repos/w-org/pub/issues/{number}"
    assert client.patch(url, {"title": "still mine", "body": "b"}).status_code == 200
    assert client.patch(url, {"state": "closed", "state_reason": "not_planned"}).status_code == 200
    assert client.patch(url, {"state": "open"}).status_code == 200
    assert client.patch(url, {"labels": ["bug"]}).status_code == 403  # labels need write, even on one's own issue
    comment = client.post(f"{url}/comments", {"body": "c"}).json()
    assert client.patch(f"/repos/w-org/pub/issues/comments/{comment['id']}", {"body": "d"}).status_code == 200
    assert client.delete(f"/repos/w-org/pub/issues/comments/{comment['id']}").status_code == 204


def test_read_scoped_token_cannot_write(setup, api, make_token):
    world = setup
    token = make_token(world.writer, scopes=["read"])
    response = api(token).post("/repos/w-org/pub/issues", {"title": "t"})
    assert response.status_code == 403
    assert api(token).get("/repos/w-org/pub/issues").status_code == 200


def test_deploy_token_cannot_open_issues(setup, api, make_token):
    world = setup
    token = make_token(kind=Token.Kind.DEPLOY, repository=world.private, scopes=["read", "write"])
    assert api(token).get("/repos/w-org/priv/issues").status_code == 200
    assert api(token).post("/repos/w-org/priv/issues", {"title": "t"}).status_code == 403


def test_archived_repo_is_read_only(setup, api):
    world = setup
    world.public.archived = True
    world.public.save()
    writer = api(world.tokens["writer"])
    assert writer.get("/repos/w-org/pub/issues").status_code == 200
    assert writer.post("/repos/w-org/pub/issues", {"title": "t"}).status_code == 403
    assert writer.post("/repos/w-org/pub/issues/1/comments", {"body": "t"}).status_code == 403


# --- agents: their operator's role, capped by trust level (docs/api.md §10) ------------------------------
# COMMENT (open issues, comment, edit own) needs trust 1; TRIAGE (labels, others' issues) trust 3.
AGENT_CASES = [
    ("open", "post", "/issues", {"title": "t"}, 1, 201),
    ("comment", "post", "/issues/1/comments", {"body": "hi"}, 1, 201),
    ("set labels", "post", "/issues/1/labels", {"labels": ["bug"]}, 3, 200),
    ("close others' issue", "patch", "/issues/1", {"state": "closed"}, 3, 200),
    ("edit others' title", "patch", "/issues/1", {"title": "x"}, 3, 200),
    ("create label", "post", "/labels", {"name": "agent-made", "color": "000000"}, 3, 201),
]


@pytest.mark.parametrize("trust", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("case", AGENT_CASES, ids=[c[0] for c in AGENT_CASES])
def test_agent_trust_matrix(setup, api, make_agent, trust, case):
    world = setup
    name, method, path, body, required, success = case
    _, token = make_agent(world.writer, trust_level=trust)  # operator has `write`
    client = api(token)
    assert client.get("/repos/w-org/priv/issues").status_code == 200
    response = getattr(client, method)(f"/repos/w-org/priv{path}", body)
    if trust >= required:
        assert response.status_code == success, response.json()
    else:
        assert response.status_code == 403
        assert response.json()["error"]["details"] == {"required_trust_level": required, "trust_level": trust}


def test_agent_is_capped_by_its_operators_role(setup, api, make_agent):
    world = setup
    _, reader_bot = make_agent(world.reader, trust_level=4)
    _, outsider_bot = make_agent(world.outsider, trust_level=4)
    assert api(reader_bot).post("/repos/w-org/priv/issues", {"title": "t"}).status_code == 201
    assert api(reader_bot).post("/repos/w-org/priv/issues/1/labels", {"labels": ["bug"]}).status_code == 403
    assert api(outsider_bot).get("/repos/w-org/priv/issues").status_code == 404
    assert api(outsider_bot).post("/repos/w-org/priv/issues", {"title": "t"}).status_code == 404
    assert api(outsider_bot).post("/repos/w-org/pub/issues", {"title": "t"}).status_code == 201


def test_agent_edits_its_own_issue_at_trust_1(setup, api, make_agent):
    world = setup
    _, token = make_agent(world.writer, trust_level=1)
    bot = api(token)
    number = bot.post("/repos/w-org/priv/issues", {"title": "bot's"}).json()["number"]
    assert bot.patch(f"/repos/w-org/priv/issues/{number}", {"title": "bot's, edited", "state": "closed"}).status_code == 200
    assert bot.patch(f"/repos/w-org/priv/issues/{number}", {"labels": ["bug"]}).status_code == 403
