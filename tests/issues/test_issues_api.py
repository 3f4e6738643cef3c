import pytest

from issues.models import Issue, Label
from kizuna.events.models import Event
from repos.models import Repository

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub"


def event_types(repo):
    return list(Event.objects.filter(repository=repo).order_by("id").values_list("type", flat=True))


def test_new_repo_has_the_seven_default_labels(world, api):
    labels = api().get(f"{BASE}/labels").json()
    assert [(label["name"], label["color"]) for label in labels] == sorted(
        [("bug", "d73a4a"), ("feature", "a2eeef"), ("documentation", "0075ca"), ("good first issue", "7057ff"),
         ("help wanted", "008672"), ("duplicate", "cfd3d7"), ("invalid", "e4e669")]
    )
    assert Label.objects.filter(repository=world.private).count() == 7


def test_create_get_and_shape(world, api):
    writer = api(world.tokens["writer"])
    milestone = writer.post(f"{BASE}/milestones", {"title": "v1"}).json()
    response = writer.post(f"{BASE}/issues", {
        "title": "Crash on start", "body": "boom", "labels": ["bug", "Help Wanted"],
        "assignees": ["w-reader", "w-writer"], "milestone": milestone["number"],
    })
    assert response.status_code == 201, response.json()
    issue = response.json()
    assert response["Location"] == issue["url"]
    assert issue["url"].endswith("/api/v1/repos/w-org/pub/issues/1")
    assert set(issue) == {"id", "number", "title", "body", "state", "state_reason", "labels", "assignees", "milestone",
                          "author", "comments", "created_at", "updated_at", "closed_at", "closed_by", "url"}
    assert issue["number"] == 1 and issue["state"] == "open" and issue["state_reason"] is None
    assert [label["name"] for label in issue["labels"]] == ["bug", "help wanted"]
    assert set(issue["labels"][0]) == {"id", "name", "color", "description"}
    assert [a["login"] for a in issue["assignees"]] == ["w-reader", "w-writer"]
    assert issue["milestone"] == {"number": 1, "title": "v1", "state": "open", "due_on": None}
    assert issue["author"] == {"id": world.writer.pk, "login": "w-writer", "type": "User"}
    assert issue["comments"] == 0 and issue["closed_at"] is None and issue["closed_by"] is None
    assert issue["created_at"].endswith("Z")
    assert writer.get(f"{BASE}/issues/1").json() == issue
    world.public.refresh_from_db()
    assert world.public.open_issues_count == 1
    assert event_types(world.public)[-2:] == ["milestone.created", "issue.opened"]
    opened = Event.objects.get(repository=world.public, type="issue.opened")
    assert opened.payload["issue"]["number"] == 1 and opened.payload["issue"]["labels"] == ["bug", "help wanted"]


def test_single_assignee_form(world, api):
    writer = api(world.tokens["writer"])
    issue = writer.post(f"{BASE}/issues", {"title": "t", "assignee": "w-reader"}).json()
    assert [a["login"] for a in issue["assignees"]] == ["w-reader"]
    issue = writer.patch(f"{BASE}/issues/{issue['number']}", {"assignee": "w-maint"}).json()
    assert [a["login"] for a in issue["assignees"]] == ["w-maint"]
    issue = writer.patch(f"{BASE}/issues/{issue['number']}", {"assignee": None}).json()
    assert issue["assignees"] == []


def test_numbers_are_shared_with_pull_requests_and_pr_numbers_404_here(world, api, make_pull_row):
    writer = api(world.tokens["writer"])
    assert writer.post(f"{BASE}/issues", {"title": "one"}).json()["number"] == 1
    make_pull_row(world.public, world.writer)  # number 2
    assert writer.post(f"{BASE}/issues", {"title": "three"}).json()["number"] == 3
    assert writer.get(f"{BASE}/issues/2").status_code == 404
    assert writer.patch(f"{BASE}/issues/2", {"title": "x"}).status_code == 404
    assert writer.get(f"{BASE}/issues/2/comments").status_code == 404
    assert writer.post(f"{BASE}/issues/2/labels", {"labels": ["bug"]}).status_code == 404
    assert [i["number"] for i in writer.get(f"{BASE}/issues", {"state": "all"}).json()] == [3, 1]
    assert writer.get(f"{BASE}/issues/999").status_code == 404


def test_update_close_reopen(world, api):
    writer = api(world.tokens["writer"])
    number = writer.post(f"{BASE}/issues", {"title": "t", "body": "b"}).json()["number"]
    url = f"{BASE}/issues/{number}"
    issue = writer.patch(url, {"title": "new title", "body": "new body"}).json()
    assert (issue["title"], issue["body"]) == ("new title", "new body")
    issue = writer.patch(url, {"state": "closed", "state_reason": "not_planned"}).json()
    assert issue["state"] == "closed" and issue["state_reason"] == "not_planned"
    assert issue["closed_at"] is not None and issue["closed_by"]["login"] == "w-writer"
    world.public.refresh_from_db()
    assert world.public.open_issues_count == 0
    issue = writer.patch(url, {"state": "closed", "state_reason": "completed"}).json()
    assert issue["state_reason"] == "completed"
    issue = writer.patch(url, {"state": "open"}).json()
    assert issue["state"] == "open" and issue["state_reason"] == "reopened"
    assert issue["closed_at"] is None and issue["closed_by"] is None
    world.public.refresh_from_db()
    assert world.public.open_issues_count == 1
    closed = writer.patch(url, {"state": "closed"}).json()
    assert closed["state_reason"] == "completed"
    types = event_types(world.public)
    assert types.count("issue.closed") == 2 and types.count("issue.reopened") == 1
    assert "issue.edited" in types


def test_patch_labels_assignees_milestone_and_events(world, api):
    writer = api(world.tokens["writer"])
    writer.post(f"{BASE}/milestones", {"title": "m1"})
    number = writer.post(f"{BASE}/issues", {"title": "t", "labels": ["bug"], "assignees": ["w-reader"]}).json()["number"]
    url = f"{BASE}/issues/{number}"
    issue = writer.patch(url, {"labels": ["feature", "duplicate"], "assignees": ["w-maint"], "milestone": 1}).json()
    assert [label["name"] for label in issue["labels"]] == ["duplicate", "feature"]
    assert [a["login"] for a in issue["assignees"]] == ["w-maint"]
    assert issue["milestone"]["number"] == 1
    types = event_types(world.public)
    for expected in ("issue.labeled", "issue.unlabeled", "issue.assigned", "issue.unassigned", "issue.milestoned"):
        assert expected in types
    issue = writer.patch(url, {"milestone": None, "labels": []}).json()
    assert issue["milestone"] is None and issue["labels"] == []


def test_issue_labels_endpoints(world, api):
    writer = api(world.tokens["writer"])
    writer.post(f"{BASE}/labels", {"name": "needs triage", "color": "aabbcc"})
    number = writer.post(f"{BASE}/issues", {"title": "t"}).json()["number"]
    url = f"{BASE}/issues/{number}/labels"
    response = writer.post(url, {"labels": ["bug", "needs triage"]})
    assert response.status_code == 200 and [x["name"] for x in response.json()] == ["bug", "needs triage"]
    response = writer.post(url, {"labels": ["feature"]})
    assert [x["name"] for x in response.json()] == ["bug", "feature", "needs triage"]
    response = writer.put(url, {"labels": ["invalid", "needs triage"]})
    assert [x["name"] for x in response.json()] == ["invalid", "needs triage"]
    response = writer.delete(f"{url}/needs%20triage")
    assert response.status_code == 200 and [x["name"] for x in response.json()] == ["invalid"]
    assert writer.delete(f"{url}/bug").status_code == 404  # not on the issue
    assert writer.delete(f"{url}/nope").status_code == 404
    assert [x["name"] for x in writer.get(url).json()] == ["invalid"]
    assert writer.post(url, {"labels": ["nope"]}).status_code == 422
    assert writer.post(url, {"labels": "bug"}).status_code == 422


def test_comments_and_count(world, api):
    writer, reader = api(world.tokens["writer"]), api(world.tokens["reader"])
    number = writer.post(f"{BASE}/issues", {"title": "t"}).json()["number"]
    url = f"{BASE}/issues/{number}/comments"
    first = reader.post(url, {"body": "first"})
    assert first.status_code == 201, first.json()
    comment = first.json()
    assert set(comment) == {"id", "body", "author", "created_at", "updated_at", "url"}
    assert comment["url"].endswith(f"/repos/w-org/pub/issues/comments/{comment['id']}")
    assert first["Location"] == comment["url"]
    writer.post(url, {"body": "second"})
    assert [c["body"] for c in writer.get(url).json()] == ["first", "second"]
    assert writer.get(f"{BASE}/issues/{number}").json()["comments"] == 2
    edited = reader.patch(f"{BASE}/issues/comments/{comment['id']}", {"body": "edited"})
    assert edited.status_code == 200 and edited.json()["body"] == "edited"
    assert reader.get(f"{BASE}/issues/comments/{comment['id']}").json()["body"] == "edited"
    assert reader.delete(f"{BASE}/issues/comments/{comment['id']}").status_code == 204
    assert writer.get(f"{BASE}/issues/{number}").json()["comments"] == 1
    assert reader.get(f"{BASE}/issues/comments/{comment['id']}").status_code == 404
    types = event_types(world.public)
    assert ["comment.created", "comment.created", "comment.edited", "comment.deleted"] == [
        t for t in types if t.startswith("comment.")]
    # Comment ids are scoped to the repository in the path.
    other = writer.post(f"{BASE}/issues/{number}/comments", {"body": "x"}).json()
    assert writer.get(f"/repos/w-org/priv/issues/comments/{other['id']}").status_code == 404


def test_comments_pagination_link(world, api, make_issue):
    issue = make_issue(world.public, world.writer)
    from issues import services
    from kizuna.accounts.actors import actor_for_user

    for n in range(3):
        services.comment_create(issue=issue, actor=actor_for_user(world.reader), body=f"c{n}")
    response = api().get(f"{BASE}/issues/{issue.number}/comments", {"per_page": 2})
    assert len(response.json()) == 2 and 'rel="next"' in response["Link"]


def test_labels_crud_and_rename_keeps_issues(world, api):
    writer = api(world.tokens["writer"])
    created = writer.post(f"{BASE}/labels", {"name": "area/api ui", "color": "ABCDEF", "description": "d"})
    assert created.status_code == 201, created.json()
    assert created.json()["color"] == "abcdef"
    assert created["Location"].endswith("/labels/area%2Fapi%20ui")
    number = writer.post(f"{BASE}/issues", {"title": "t", "labels": ["area/api ui"]}).json()["number"]
    got = writer.get(f"{BASE}/labels/area%2Fapi%20ui")
    assert got.status_code == 200 and got.json()["name"] == "area/api ui"
    renamed = writer.patch(f"{BASE}/labels/AREA%2FAPI%20UI", {"name": "api", "color": "000000"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "api"
    assert [x["name"] for x in writer.get(f"{BASE}/issues/{number}").json()["labels"]] == ["api"]
    assert writer.post(f"{BASE}/labels", {"name": "API", "color": "000000"}).status_code == 422
    assert writer.patch(f"{BASE}/labels/api", {"name": "Bug"}).json()["error"]["details"] == {"name": ["already exists"]}
    assert writer.post(f"{BASE}/labels", {"name": "x", "color": "#00000"}).status_code == 422
    assert writer.post(f"{BASE}/labels", {"name": "a,b", "color": "000000"}).status_code == 422
    assert writer.post(f"{BASE}/labels", {"name": "x"}).status_code == 422
    assert writer.delete(f"{BASE}/labels/api").status_code == 204
    assert writer.get(f"{BASE}/issues/{number}").json()["labels"] == []
    assert writer.get(f"{BASE}/labels/api").status_code == 404
    assert {"label.created", "label.edited", "label.deleted"} <= set(event_types(world.public))


def test_milestones_crud_counts_and_state_filter(world, api, make_issue):
    writer = api(world.tokens["writer"])
    one = writer.post(f"{BASE}/milestones", {"title": "v1", "due_on": "2027-01-01T00:00:00Z"})
    assert one.status_code == 201, one.json()
    assert one.json()["number"] == 1 and one.json()["due_on"] == "2027-01-01T00:00:00Z"
    two = writer.post(f"{BASE}/milestones", {"title": "v2", "state": "closed"}).json()
    assert two["number"] == 2 and two["closed_at"] is not None
    assert writer.post(f"{BASE}/milestones", {"title": "V1"}).status_code == 422
    assert writer.post(f"{BASE}/milestones", {"title": ""}).status_code == 422
    assert writer.post(f"{BASE}/milestones", {"title": "x", "state": "bogus"}).status_code == 422
    for state in ("open", "open", "closed"):
        issue = make_issue(world.public, world.writer, milestone=1)
        if state == "closed":
            writer.patch(f"{BASE}/issues/{issue.number}", {"state": "closed"})
    got = writer.get(f"{BASE}/milestones/1").json()
    assert (got["open_issues"], got["closed_issues"]) == (2, 1)
    assert [m["number"] for m in writer.get(f"{BASE}/milestones").json()] == [1]
    assert [m["number"] for m in writer.get(f"{BASE}/milestones", {"state": "closed"}).json()] == [2]
    assert [m["number"] for m in writer.get(f"{BASE}/milestones", {"state": "all"}).json()] == [2, 1]  # no due date first
    assert writer.get(f"{BASE}/milestones", {"state": "bogus"}).status_code == 422
    patched = writer.patch(f"{BASE}/milestones/1", {"state": "closed", "title": "v1.0"}).json()
    assert patched["state"] == "closed" and patched["title"] == "v1.0" and patched["open_issues"] == 2
    assert writer.delete(f"{BASE}/milestones/1").status_code == 204
    assert writer.get(f"{BASE}/milestones/1").status_code == 404
    assert Issue.objects.filter(repository=world.public, milestone__isnull=True).count() == 3
    assert writer.post(f"{BASE}/milestones", {"title": "v3"}).json()["number"] == 3


def test_milestone_list_query_count_is_constant(world, api, make_issue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from issues import services
    from kizuna.accounts.actors import actor_for_user

    actor = actor_for_user(world.writer)
    for n in range(101):
        services.milestone_create(repo=world.public, actor=actor, title=f"m{n}")
    for n in range(5):
        make_issue(world.public, world.writer, milestone=n + 1)
    client = api(world.tokens["reader"])
    client.get("/user")
    counts = {}
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(f"{BASE}/milestones", {"per_page": per_page, "sort": "number"}).json()
        assert len(body) == per_page and body[0]["open_issues"] == 1
        counts[per_page] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 257}, "title"),
    ({"title": "   "}, "title"),
    ({}, "title"),
    ({"title": "t", "labels": ["nope"]}, "labels"),
    ({"title": "t", "labels": "bug"}, "labels"),
    ({"title": "t", "assignees": ["nobody-here"]}, "assignees"),
    ({"title": "t", "assignees": ["w-out"]}, "assignees"),  # cannot read the (private) repo
    ({"title": "t", "assignee": "nobody-here"}, "assignee"),
    ({"title": "t", "milestone": 99}, "milestone"),
    ({"title": "t", "milestone": "one"}, "milestone"),
])
def test_create_bad_input_is_422_and_changes_nothing(world, api, body, field):
    writer = api(world.tokens["writer"])
    response = writer.post("/repos/w-org/priv/issues", body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["details"]
    assert not Issue.objects.filter(repository=world.private).exists()
    world.private.refresh_from_db()
    assert world.private.last_number == 0 and world.private.open_issues_count == 0


def test_title_of_256_is_fine(world, api):
    assert api(world.tokens["writer"]).post(f"{BASE}/issues", {"title": "x" * 256}).status_code == 201


def test_labels_and_milestone_of_another_repo_are_422(world, api):
    writer = api(world.tokens["writer"])
    writer.post("/repos/w-org/priv/labels", {"name": "private-only", "color": "000000"})
    writer.post("/repos/w-org/priv/milestones", {"title": "priv"})
    assert writer.post(f"{BASE}/issues", {"title": "t", "labels": ["private-only"]}).status_code == 422
    assert writer.post(f"{BASE}/issues", {"title": "t", "milestone": 1}).status_code == 422
    number = writer.post(f"{BASE}/issues", {"title": "t"}).json()["number"]
    assert writer.patch(f"{BASE}/issues/{number}", {"labels": ["private-only"]}).status_code == 422
    assert writer.patch(f"{BASE}/issues/{number}", {"milestone": 1}).status_code == 422


@pytest.mark.parametrize("body, field", [
    ({"state": "bogus"}, "state"),
    ({"state_reason": "bogus"}, "state_reason"),
    ({"state": "closed", "state_reason": "reopened"}, "state_reason"),
    ({"state": "open", "state_reason": "not_planned"}, "state_reason"),
    ({"title": ""}, "title"),
    ({"title": "x" * 257}, "title"),
    ({"assignees": ["nobody-here"]}, "assignees"),
    ({"labels": ["bug", "nope"]}, "labels"),
])
def test_update_bad_input_is_422_and_changes_nothing(world, api, body, field):
    writer = api(world.tokens["writer"])
    number = writer.post(f"{BASE}/issues", {"title": "t", "labels": ["feature"]}).json()["number"]
    before = writer.get(f"{BASE}/issues/{number}").json()
    events = Event.objects.count()
    response = writer.patch(f"{BASE}/issues/{number}", {**body, "body": "changed?"})
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["details"]
    assert writer.get(f"{BASE}/issues/{number}").json() == before
    assert Event.objects.count() == events


def test_agent_can_be_assignee_and_author(world, api, make_agent):
    agent, token = make_agent(world.writer, trust_level=3, name="helper-bot")
    bot = api(token)
    created = bot.post(f"{BASE}/issues", {"title": "from a bot", "assignees": ["helper-bot"]})
    assert created.status_code == 201, created.json()
    issue = created.json()
    assert issue["author"] == {"id": str(agent.pk), "login": "helper-bot", "type": "Agent"}
    assert issue["assignees"] == [issue["author"]]
    listed = api().get(f"{BASE}/issues", {"creator": "helper-bot", "assignee": "HELPER-BOT"}).json()
    assert [i["number"] for i in listed] == [issue["number"]]
    event = Event.objects.filter(type="issue.opened").last()
    assert event.on_behalf_of.login == "w-writer"


def test_agent_of_an_outsider_cannot_be_assigned_on_private(world, api, make_agent):
    make_agent(world.outsider, trust_level=4, name="outside-bot")
    make_agent(world.reader, trust_level=0, name="inside-bot")
    writer = api(world.tokens["writer"])
    assert writer.post("/repos/w-org/priv/issues", {"title": "t", "assignees": ["outside-bot"]}).status_code == 422
    assert writer.post("/repos/w-org/priv/issues", {"title": "t", "assignees": ["inside-bot"]}).status_code == 201


def test_open_issues_count_ignores_pull_requests(world, make_pull_row, make_issue):
    make_issue(world.public, world.writer)
    make_pull_row(world.public, world.writer)
    assert Repository.objects.get(pk=world.public.pk).open_issues_count == 1


def test_trailing_slash_and_label_with_space_in_issue_path(world, api):
    writer = api(world.tokens["writer"])
    assert writer.post(f"{BASE}/issues/", {"title": "t", "labels": ["good first issue"]}).status_code == 201
    response = writer.delete(f"{BASE}/issues/1/labels/good%20first%20issue")
    assert response.status_code == 200 and response.json() == []


def test_hand_rendered_issue_equals_the_declared_fields(world, api, make_issue, make_agent):
    from issues import services
    from issues.serializers import IssueSerializer, attach_relations
    from kizuna.accounts.actors import actor_for_user

    writer = api(world.tokens["writer"])
    writer.post(f"{BASE}/milestones", {"title": "m", "due_on": "2027-05-01T12:30:00Z"})
    make_agent(world.writer, trust_level=1, name="render-bot")
    issue = make_issue(world.public, world.writer, labels=["feature", "bug"], assignees=["w-reader", "render-bot"], milestone=1)
    services.issue_close(issue=issue, actor=actor_for_user(world.writer))
    plain = make_issue(world.public, world.reader)
    rows = Issue.objects.filter(pk__in=[issue.pk, plain.pk]).select_related("author", "closed_by", "milestone", "repository__namespace")
    for row in rows:
        serializer = IssueSerializer(row, context={"request": None})
        expected = serializer.declared_representation(row)  # DRF's fields, relations through the ORM
        assert serializer.to_representation(row) == expected
        attach_relations([row])  # the list's flat queries
        assert serializer.to_representation(row) == expected


def test_admin_pages_and_close_action(world, make_issue, client):
    from kizuna.accounts.services import user_create

    staff = user_create(login="staff-admin", password="pw", is_staff=True, is_superuser=True)
    issue = make_issue(world.public, world.writer)
    client.force_login(staff)
    for model in ("issue", "label", "milestone", "comment"):
        assert client.get(f"/admin/issues/{model}/").status_code == 200
    assert client.get(f"/admin/issues/issue/{issue.pk}/change/").status_code == 200
    client.post("/admin/issues/issue/", {"action": "close_issues", "_selected_action": [issue.pk]})
    issue.refresh_from_db()
    assert issue.state == "closed" and issue.closed_by.login == "staff-admin"
    assert Repository.objects.get(pk=world.public.pk).open_issues_count == 0


def test_repository_with_issues_can_be_deleted(world, api):
    admin = api(world.tokens["admin"])
    admin.post("/repos/w-org/priv/milestones", {"title": "m"})
    number = admin.post("/repos/w-org/priv/issues", {"title": "t", "labels": ["bug"], "milestone": 1,
                                                      "assignees": ["w-reader"]}).json()["number"]
    admin.post(f"/repos/w-org/priv/issues/{number}/comments", {"body": "c"})
    assert admin.delete("/repos/w-org/priv").status_code == 204
    assert not Issue.objects.filter(repository_id=world.private.pk).exists()
