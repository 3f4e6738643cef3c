"""docs/api.md §7 (first table): repositories — CRUD, names, visibility, the permission matrix, events."""

import json

import pytest
from django.utils import timezone

from kizuna.events.models import Event
from repos import git
from repos.models import Repository
from tests.api.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

REPO_FIELDS = {"id", "name", "full_name", "owner", "description", "visibility", "private", "default_branch",
               "archived", "open_issues_count", "open_pulls_count", "clone_url", "url", "created_at",
               "updated_at", "pushed_at"}


# --- create ---------------------------------------------------------------------------------------
def test_create_repository_shape_location_event_and_git_dir(world, api):
    response = api(world.tokens["writer"]).post(
        "/repos/w-org", {"name": "Fresh.repo_1", "description": "d", "visibility": "public", "auto_init": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == REPO_FIELDS
    assert body["full_name"] == "w-org/Fresh.repo_1" and body["owner"] == {"login": "w-org", "type": "Organization"}
    assert body["private"] is False and body["default_branch"] == "main" and body["archived"] is False
    assert body["clone_url"] == "http://testserver/w-org/Fresh.repo_1.git"
    assert body["url"] == "http://testserver/api/v1/repos/w-org/Fresh.repo_1" == response["Location"]
    assert body["created_at"].endswith("Z") and body["pushed_at"].endswith("Z")
    repo = Repository.objects.get(pk=body["id"])
    assert git.repo_path(repo.pk).is_dir() and git.has_commits(repo.pk)
    event = Event.objects.get(type="repository.created", repository=repo)
    assert event.actor.login == "w-writer"


def test_create_defaults_private_and_ignores_unknown_and_read_only_fields(world, api):
    response = api(world.tokens["admin"]).post("/repos/w-org", {
        "name": "quiet", "id": 12345, "full_name": "x/y", "private": False, "open_issues_count": 9,
        "created_at": "2000-01-01T00:00:00Z", "owner": {"login": "evil"}, "archived": True, "whatever": 1})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["visibility"] == "private" and body["private"] is True
    assert body["id"] != 12345 and body["full_name"] == "w-org/quiet" and body["open_issues_count"] == 0
    assert body["archived"] is False and not body["created_at"].startswith("2000")


def test_create_in_own_namespace(world, api):
    response = api(world.tokens["outsider"]).post("/repos/w-out", {"name": "mine"})
    assert response.status_code == 201
    assert response.json()["owner"] == {"login": "w-out", "type": "User"}
    assert api(world.tokens["reader"]).post("/repos/w-out", {"name": "theirs"}).status_code == 403
    assert api(world.tokens["reader"]).post("/repos/nobody-here", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("name", ["..", ".", "a.git", "A.GIT", "x" * 101, "héllo", "名前", "a b", "a/b", "", None, 5])
def test_bad_names_are_422(world, api, name):
    before = Repository.objects.count()
    response = api(world.tokens["writer"]).post("/repos/w-org", {"name": name})
    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["details"]) == ["name"]
    assert Repository.objects.count() == before


def test_name_limits_that_are_fine(world, api):
    for name in ("x" * 100, "a", "...a", "git", "a.gitx", "-_.", "A-Z_09"):
        assert api(world.tokens["writer"]).post("/repos/w-org", {"name": name}).status_code == 201, name


def test_duplicate_name_differing_in_case_is_422(world, api):
    response = api(world.tokens["writer"]).post("/repos/w-org", {"name": "PUB"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"name": ["already exists"]}
    # the same name in another namespace is fine
    assert api(world.tokens["outsider"]).post("/repos/w-out", {"name": "pub"}).status_code == 201


@pytest.mark.parametrize("payload,field", [
    ({"name": "ok", "visibility": "secret"}, "visibility"),
    ({"name": "ok", "default_branch": "bad..name"}, "default_branch"),
    ({"name": "ok", "description": None}, "description"),
    ({"name": "ok", "auto_init": "perhaps"}, "auto_init"),
])
def test_bad_create_fields_are_422(world, api, payload, field):
    response = api(world.tokens["writer"]).post("/repos/w-org", payload)
    assert response.status_code == 422 and field in response.json()["error"]["details"]
    assert not Repository.objects.filter(name="ok").exists()


def test_failure_in_the_middle_of_create_leaves_nothing(world, api, monkeypatch, settings):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(git, "commit_initial_readme", fail)
    before_events = Event.objects.count()
    from django.test import Client

    client = Client(raise_request_exception=False)
    response = client.post("/api/v1/repos/w-org", data=json.dumps({"name": "half", "auto_init": True}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {world.tokens['writer']}")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert not Repository.objects.filter(name="half").exists()
    assert Event.objects.count() == before_events
    existing = {p.name for p in settings.KIZUNA_GIT_ROOT.iterdir()}
    assert existing == {f"{world.public.pk}.git", f"{world.private.pk}.git"}


def test_failure_in_a_created_hook_rolls_back_row_event_and_directory(world, monkeypatch, settings):
    from kizuna.accounts.actors import actor_for_user
    from repos import services

    from repos.signals import repository_created

    def hook(**kwargs):
        raise ValueError("hook failed")

    repository_created.connect(hook, dispatch_uid="test-failing-hook")
    try:
        with pytest.raises(ValueError):
            services.repo_create(actor=actor_for_user(world.writer), namespace=world.org, name="hooked")
    finally:
        repository_created.disconnect(dispatch_uid="test-failing-hook")
    assert not Repository.objects.filter(name="hooked").exists()
    assert len(list(settings.KIZUNA_GIT_ROOT.iterdir())) == 2


# --- read -----------------------------------------------------------------------------------------
def test_private_repo_404_is_byte_identical_to_missing(world, api):
    for client in (api(world.tokens["outsider"]), api()):
        hidden, missing = client.get("/repos/w-org/priv"), client.get("/repos/w-org/nope")
        assert hidden.status_code == missing.status_code == 404
        rid = hidden.json()["error"]["request_id"]
        assert hidden.content.replace(rid.encode(), b"") == missing.content.replace(
            missing.json()["error"]["request_id"].encode(), b"")
        assert hidden["Content-Type"] == missing["Content-Type"]


def test_names_are_matched_case_insensitively(world, api):
    body = api().get("/repos/W-ORG/PUB").json()
    assert body["full_name"] == "w-org/pub"


def test_list_visibility_filters(world, api):
    def names(client, query=""):
        response = client.get(f"/repos/w-org{query}")
        assert response.status_code == 200, response.content
        return sorted(r["name"] for r in response.json())

    assert names(api()) == ["pub"]
    assert names(api(world.tokens["outsider"])) == ["pub"]
    assert names(api(world.tokens["reader"])) == ["priv", "pub"]
    assert names(api(world.tokens["reader"]), "?visibility=private") == ["priv"]
    assert names(api(world.tokens["reader"]), "?visibility=public") == ["pub"]
    assert names(api(world.tokens["reader"]), "?visibility=all") == ["priv", "pub"]
    assert names(api(world.tokens["outsider"]), "?visibility=private") == []
    assert api().get("/repos/nobody").status_code == 404


def test_list_sorting(world, api, make_repo):
    make_repo(world.org, "alpha")
    Repository.objects.filter(name="pub").update(pushed_at=timezone.now())
    client = api(world.tokens["reader"])

    def names(query):
        return [r["name"] for r in client.get(f"/repos/w-org?{query}").json()]

    assert names("") == ["alpha", "priv", "pub"]  # created, newest first
    assert names("sort=created&direction=asc") == ["pub", "priv", "alpha"]
    assert names("sort=name") == ["alpha", "priv", "pub"]
    assert names("sort=name&direction=desc") == ["pub", "priv", "alpha"]
    assert names("sort=pushed")[0] == "pub"
    Repository.objects.filter(name="priv").update(updated_at=timezone.now())
    assert names("sort=updated")[0] == "priv"


@pytest.mark.parametrize("query,field", [("sort=stars", "sort"), ("direction=up", "direction"),
                                         ("visibility=internal", "visibility")])
def test_list_unknown_filter_values_are_422(world, api, query, field):
    response = api().get(f"/repos/w-org?{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_list_query_count_is_constant(world, api, make_repo):
    for i in range(3):
        make_repo(world.org, f"extra{i}", visibility="private")
    assert_constant_queries(api(world.tokens["reader"]), "/repos/w-org", min_items=5)
    assert_constant_queries(api(), "/repos/w-org", min_items=1)


# --- update ---------------------------------------------------------------------------------------
def test_patch_rename_description_branch_visibility(world, api, make_repo):
    admin = api(world.tokens["admin"])
    response = admin.patch("/repos/w-org/pub", {"name": "renamed", "description": "new", "full_name": "x/y",
                                                 "id": 1, "unknown": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "renamed" and body["description"] == "new" and body["full_name"] == "w-org/renamed"
    assert body["id"] == world.public.pk
    assert api().get("/repos/w-org/pub").status_code == 404
    renamed = Event.objects.get(type="repository.renamed")
    assert renamed.payload["changes"] == {"name": {"from": "pub"}}
    assert Event.objects.get(type="repository.updated").payload["changes"] == {"description": {"from": ""}}
    assert admin.patch("/repos/w-org/renamed", {"name": "PRIV"}).json()["error"]["details"] == {"name": ["already exists"]}
    assert admin.patch("/repos/w-org/renamed", {"name": "a.git"}).status_code == 422
    # default_branch: free while empty, must exist once there are commits
    assert admin.patch("/repos/w-org/renamed", {"default_branch": "trunk"}).json()["default_branch"] == "trunk"
    make_repo(world.org, "inited", auto_init=True)
    response = admin.patch("/repos/w-org/inited", {"default_branch": "nope"})
    assert response.status_code == 422 and "default_branch" in response.json()["error"]["details"]
    assert admin.patch("/repos/w-org/inited", {"default_branch": "main"}).status_code == 200
    response = admin.patch("/repos/w-org/renamed", {"visibility": "private"})
    assert response.json()["visibility"] == "private" and response.json()["private"] is True
    assert api().get("/repos/w-org/renamed").status_code == 404


def test_visibility_needs_admin_scope(world, api, make_token):
    write_only = api(make_token(world.admin, scopes=["read", "write"]))
    assert write_only.patch("/repos/w-org/pub", {"description": "ok"}).status_code == 200
    response = write_only.patch("/repos/w-org/pub", {"visibility": "private"})
    assert response.status_code == 403
    assert Repository.objects.get(pk=world.public.pk).visibility == "public"
    assert write_only.patch("/repos/w-org/pub", {"visibility": "public"}).status_code == 200  # no change
    assert write_only.delete("/repos/w-org/pub").status_code == 403
    read_only = api(make_token(world.admin, scopes=["read"]))
    assert read_only.get("/repos/w-org/priv").status_code == 200
    assert read_only.patch("/repos/w-org/pub", {"description": "no"}).status_code == 403
    assert read_only.post("/repos/w-org", {"name": "no"}).status_code == 403


def test_archived_repo_is_read_only(world, api):
    admin = api(world.tokens["admin"])
    assert admin.patch("/repos/w-org/pub", {"archived": True}).json()["archived"] is True
    assert api().get("/repos/w-org/pub").status_code == 200
    # Only unarchiving passes (tests/policy/test_holes.py has the rest).
    assert admin.patch("/repos/w-org/pub", {"description": "while archived"}).status_code == 403
    from kizuna.api.errors import Forbidden
    from kizuna.policy import Action, check

    repo = Repository.objects.get(pk=world.public.pk)
    for action in (Action.COMMENT, Action.PUSH, Action.TRIAGE, Action.MERGE, Action.PIPELINE):
        with pytest.raises(Forbidden):
            check(world.admin, repo, action)
    assert admin.patch("/repos/w-org/pub", {"archived": False}).json()["archived"] is False
    check(world.admin, Repository.objects.get(pk=world.public.pk), Action.PUSH)


# --- delete ---------------------------------------------------------------------------------------
def test_delete_removes_row_and_git_dir(world, api, django_capture_on_commit_callbacks):
    path = git.repo_path(world.public.pk)
    assert path.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.tokens["admin"]).delete("/repos/w-org/pub")
    assert response.status_code == 204 and response.content == b""
    assert not Repository.objects.filter(pk=world.public.pk).exists()
    assert not path.exists()
    event = Event.objects.get(type="repository.deleted")
    assert event.payload["repository"]["full_name"] == "w-org/pub" and event.namespace == world.org
    assert api().get("/repos/w-org/pub").status_code == 404


# --- the permission matrix ------------------------------------------------------------------------
# role -> {(repo, method): status}; "anon" sends nothing.
MATRIX = {
    "anon": {("pub", "GET"): 200, ("priv", "GET"): 404, ("pub", "PATCH"): 401, ("priv", "PATCH"): 401,
             ("pub", "DELETE"): 401, ("priv", "DELETE"): 401, ("org", "POST"): 401},
    "outsider": {("pub", "GET"): 200, ("priv", "GET"): 404, ("pub", "PATCH"): 403, ("priv", "PATCH"): 404,
                 ("pub", "DELETE"): 403, ("priv", "DELETE"): 404, ("org", "POST"): 403},
    "reader": {("pub", "GET"): 200, ("priv", "GET"): 200, ("pub", "PATCH"): 403, ("priv", "PATCH"): 403,
               ("pub", "DELETE"): 403, ("priv", "DELETE"): 403, ("org", "POST"): 403},
    "writer": {("pub", "GET"): 200, ("priv", "GET"): 200, ("pub", "PATCH"): 403, ("priv", "PATCH"): 403,
               ("pub", "DELETE"): 403, ("priv", "DELETE"): 403, ("org", "POST"): 201},
    "maintainer": {("pub", "GET"): 200, ("priv", "GET"): 200, ("pub", "PATCH"): 403, ("priv", "PATCH"): 403,
                   ("pub", "DELETE"): 403, ("priv", "DELETE"): 403, ("org", "POST"): 201},
    "admin": {("pub", "GET"): 200, ("priv", "GET"): 200, ("pub", "PATCH"): 200, ("priv", "PATCH"): 200,
              ("pub", "DELETE"): 204, ("priv", "DELETE"): 204, ("org", "POST"): 201},
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(world, api, role):
    client = api(None if role == "anon" else world.tokens[role])
    for (target, method), expected in MATRIX[role].items():
        if target == "org":
            response = client.post("/repos/w-org", {"name": f"new-{role}"})
        elif method == "GET":
            response = client.get(f"/repos/w-org/{target}")
        elif method == "PATCH":
            response = client.patch(f"/repos/w-org/{target}", {"description": f"by {role}"})
        else:
            continue  # deletes run last, below
        assert response.status_code == expected, (role, target, method, response.content)
        if expected >= 400:
            assert response.json()["error"]["code"] in {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[expected]
    for target in ("pub", "priv"):
        response = client.delete(f"/repos/w-org/{target}")
        assert response.status_code == MATRIX[role][(target, "DELETE")], (role, target, response.content)
    survivors = set(Repository.objects.filter(namespace=world.org).values_list("name", flat=True))
    assert ("pub" in survivors) == (role != "admin")


@pytest.mark.parametrize("trust,patch,create", [(0, 403, 403), (1, 403, 403), (2, 403, 201), (3, 403, 201), (4, 200, 201)])
def test_agent_permissions_are_capped_by_trust(world, api, make_agent, trust, patch, create):
    _, raw = make_agent(world.admin, trust_level=trust)  # operated by an org admin
    client = api(raw)
    assert client.get("/repos/w-org/priv").status_code == 200
    assert client.patch("/repos/w-org/priv", {"description": "agent"}).status_code == patch
    assert client.post("/repos/w-org", {"name": f"agent-{trust}"}).status_code == create
    _, outsider_agent = make_agent(world.outsider, trust_level=4)
    assert api(outsider_agent).get("/repos/w-org/priv").status_code == 404
