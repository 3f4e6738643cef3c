"""The issue list's filters (docs/api.md §8): each alone, combined, bad values, Link headers, query counts."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues import services
from issues.models import Issue, IssueLabel
from kizuna.accounts.actors import actor_for_agent, actor_for_user

pytestmark = pytest.mark.django_db

URL = "/repos/w-org/pub/issues"


@pytest.fixture
def data(world, make_agent, make_issue, make_pull_row):
    """#1 writer bug+feature → reader, m1 · #2 reader bug, closed · #3 bot feature → writer+bot, m2 ·
    #4 writer, 2 comments · #5 a pull request labelled bug (never listed here)."""
    writer = actor_for_user(world.writer)
    services.milestone_create(repo=world.public, actor=writer, title="m1")
    services.milestone_create(repo=world.public, actor=writer, title="m2")
    agent, _ = make_agent(world.writer, trust_level=3, name="filter-bot")
    bot = actor_for_agent(agent)
    make_issue(world.public, world.writer, labels=["bug", "feature"], assignees=["w-reader"], milestone=1)
    two = make_issue(world.public, world.reader, labels=["bug"])
    services.issue_close(issue=two, actor=writer)
    make_issue(world.public, author_actor=bot, labels=["feature"], assignees=["w-writer", "filter-bot"], milestone=2)
    four = make_issue(world.public, world.writer)
    for body in ("a", "b"):
        services.comment_create(issue=four, actor=writer, body=body)
    pr = make_pull_row(world.public, world.writer)
    services.issue_set_labels(issue=pr, actor=writer, names=["bug"], event_prefix="pull_request")
    # Distinct, known times: created 1 < 2 < 3 < 4; updated 4 < 1 < 3 < 2 (rewritten after the writes above).
    base = timezone.now() - timedelta(days=10)
    updated = {1: 2, 2: 4, 3: 3, 4: 1}
    for number in (1, 2, 3, 4):
        Issue.objects.filter(repository=world.public, number=number).update(
            created_at=base + timedelta(days=number), updated_at=base + timedelta(days=4 + updated[number]))
        # The label links' copy of created_at (IssueLabel), which the labels+state list is read in order of.
        IssueLabel.objects.filter(issue__repository=world.public, issue__number=number).update(
            issue_created_at=base + timedelta(days=number))
    return base


def numbers(response):
    assert response.status_code == 200, response.json()
    return [issue["number"] for issue in response.json()]


@pytest.mark.parametrize("params, expected", [
    ({}, [4, 3, 1]),
    ({"state": "open"}, [4, 3, 1]),
    ({"state": "closed"}, [2]),
    ({"state": "all"}, [4, 3, 2, 1]),
    ({"labels": "bug"}, [1]),
    ({"labels": "BUG"}, [1]),
    ({"labels": "feature"}, [3, 1]),
    ({"labels": "bug,feature"}, [1]),
    ({"labels": " feature , bug "}, [1]),
    ({"labels": "duplicate"}, []),
    ({"assignee": "w-reader"}, [1]),
    ({"assignee": "W-WRITER"}, [3]),
    ({"assignee": "filter-bot"}, [3]),
    ({"assignee": "none"}, [4]),
    ({"assignee": "*"}, [3, 1]),
    ({"creator": "w-writer"}, [4, 1]),
    ({"creator": "filter-bot"}, [3]),
    ({"creator": "w-maint"}, []),
    ({"milestone": "1"}, [1]),
    ({"milestone": "2"}, [3]),
    ({"milestone": "none"}, [4]),
    ({"milestone": "*"}, [3, 1]),
    ({"sort": "created"}, [4, 3, 1]),
    ({"sort": "created", "direction": "asc"}, [1, 3, 4]),
    ({"sort": "updated"}, [3, 1, 4]),
    ({"sort": "updated", "direction": "asc"}, [4, 1, 3]),
    ({"sort": "comments"}, [4, 3, 1]),
    ({"direction": "asc"}, [1, 3, 4]),
])
def test_each_filter_alone(data, api, world, params, expected):
    assert numbers(api(world.tokens["reader"]).get(URL, params)) == expected


def test_since(data, api):
    client = api()
    cut = (data + timedelta(days=4 + 3)).strftime("%Y-%m-%dT%H:%M:%SZ")  # issue 3's updated_at (second-truncated)
    assert numbers(client.get(URL, {"since": cut, "state": "all"})) == [3, 2]
    assert numbers(client.get(URL, {"since": cut})) == [3]
    assert numbers(client.get(URL, {"since": "2000-01-01T00:00:00Z"})) == [4, 3, 1]
    assert numbers(client.get(URL, {"since": "2999-01-01T00:00:00+09:00"})) == []


@pytest.mark.parametrize("params, expected", [
    ({"state": "all", "labels": "bug"}, [2, 1]),
    ({"state": "all", "labels": "bug", "creator": "w-reader"}, [2]),
    ({"state": "closed", "labels": "feature"}, []),
    ({"labels": "feature", "assignee": "w-writer", "milestone": "2"}, [3]),
    ({"labels": "feature", "assignee": "*", "sort": "created", "direction": "asc"}, [1, 3]),
    ({"state": "all", "assignee": "none", "creator": "w-writer"}, [4]),
    ({"state": "all", "milestone": "none", "sort": "updated"}, [2, 4]),
    ({"milestone": "*", "creator": "filter-bot", "labels": "feature"}, [3]),
    ({"state": "all", "labels": "bug", "milestone": "none"}, [2]),
    ({"state": "all", "sort": "comments", "direction": "asc", "creator": "w-writer"}, [1, 4]),
])
def test_filters_combined(data, api, params, expected):
    assert numbers(api().get(URL, params)) == expected


@pytest.mark.parametrize("params, field", [
    ({"state": "bogus"}, "state"),
    ({"labels": ""}, "labels"),
    ({"labels": " , "}, "labels"),
    ({"labels": "bug,nope"}, "labels"),
    ({"assignee": "nobody-at-all"}, "assignee"),
    ({"creator": "nobody-at-all"}, "creator"),
    ({"milestone": "abc"}, "milestone"),
    ({"milestone": "99"}, "milestone"),
    ({"since": "yesterday"}, "since"),
    ({"sort": "size"}, "sort"),
    ({"direction": "up"}, "direction"),
])
def test_unknown_values_are_422_naming_the_parameter(data, api, params, field):
    response = api().get(URL, params)
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "VALIDATION_ERROR" and list(body["details"]) == [field]


def test_labels_of_another_repo_are_unknown(data, api, world):
    services.label_create(repo=world.private, actor=actor_for_user(world.admin), name="secret", color="000000")
    assert api().get(URL, {"labels": "secret"}).status_code == 422


@pytest.mark.parametrize("url", [URL, "/repos/w-org/pub/pulls"])
def test_more_than_30_label_names_are_422(data, api, url):
    """Each label is an EXISTS in the SQL and a shape of the compiled statements (kizuna.statements)."""
    thirty = ",".join(["bug"] + [f"l{n}" for n in range(29)])
    response = api().get(url, {"labels": thirty})
    assert response.status_code == 422 and "unknown label" in str(response.json())  # 30 are looked up
    response = api().get(url, {"labels": thirty + ",l29"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"labels": ["names at most 30 labels"]}


def test_link_headers_keep_every_filter(data, api):
    params = {"state": "all", "labels": "bug", "sort": "updated", "direction": "asc", "per_page": 1}
    first = api().get(URL, params)
    assert numbers(first) == [1]
    assert first["X-Total-Count"] == "2"
    links = dict(reversed(part.split("; ")) for part in first["Link"].split(", "))
    assert set(links) == {'rel="next"', 'rel="last"'}
    query = parse_qs(urlparse(links['rel="next"'].strip("<>")).query)
    assert query == {"state": ["all"], "labels": ["bug"], "sort": ["updated"], "direction": ["asc"],
                     "per_page": ["1"], "page": ["2"]}
    next_url = urlparse(links['rel="next"'].strip("<>"))
    second = api().get(f"{next_url.path}?{next_url.query}")
    assert numbers(second) == [2]
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]


def test_private_repo_list_is_404_for_outsiders_and_anonymous(data, api, world):
    assert api(world.tokens["outsider"]).get("/repos/w-org/priv/issues").status_code == 404
    assert api().get("/repos/w-org/priv/issues").status_code == 404
    assert api(world.tokens["reader"]).get("/repos/w-org/priv/issues").status_code == 200


@pytest.fixture
def many(world, make_agent, make_issue):
    """102 open issues, each with two labels, two assignees (a user and an agent) and a milestone."""
    writer = actor_for_user(world.writer)
    for n in range(3):
        services.milestone_create(repo=world.public, actor=writer, title=f"m{n}")
    make_agent(world.writer, trust_level=1, name="many-bot")
    for n in range(102):
        make_issue(world.public, world.writer, title=f"i{n}", labels=["bug", ["feature", "duplicate"][n % 2]],
                   assignees=["w-reader", "many-bot"], milestone=n % 3 + 1)


@pytest.mark.parametrize("params", [{}, {"labels": "bug", "assignee": "w-reader", "milestone": "*", "sort": "updated"}])
def test_list_query_count_is_the_same_at_1_and_100(many, api, world, params):
    client = api(world.tokens["reader"])
    client.get("/user")  # the token's last_used_at write happens here, not in a measured request
    counts = {}
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {**params, "per_page": per_page})
        assert len(response.json()) == per_page
        issue = response.json()[0]
        assert len(issue["labels"]) == 2 and len(issue["assignees"]) == 2 and issue["milestone"] is not None
        counts[per_page] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts


def test_comment_list_query_count_is_the_same_at_1_and_100(world, api, make_issue, make_agent):
    issue = make_issue(world.public, world.writer)
    agent, _ = make_agent(world.writer, trust_level=1)
    for n in range(101):
        services.comment_create(issue=issue, actor=actor_for_agent(agent) if n % 2 else actor_for_user(world.reader), body="x")
    client = api(world.tokens["reader"])
    client.get("/user")  # the token's last_used_at write happens here, not in a measured request
    counts = {}
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(f"{URL}/{issue.number}/comments", {"per_page": per_page}).json()) == per_page
        counts[per_page] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts


def test_label_list_query_count_is_the_same_at_1_and_100(world, api):
    actor = actor_for_user(world.writer)
    for n in range(100):
        services.label_create(repo=world.public, actor=actor, name=f"l{n:03}", color="000000")
    client = api(world.tokens["reader"])
    client.get("/user")  # the token's last_used_at write happens here, not in a measured request
    counts = {}
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get("/repos/w-org/pub/labels", {"per_page": per_page}).json()) == per_page
        counts[per_page] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts


def test_since_accepts_a_date_and_an_offset(data, api):
    assert numbers(api().get(URL, {"since": "2000-01-01"})) == [4, 3, 1]
    assert numbers(api().get(URL, {"since": "2999-01-01T00:00:00+09:00"})) == []
    assert api().get(URL, {"since": "2026-13-01"}).status_code == 422
