"""docs/api.md §4: page/per_page, Link with every other query parameter kept, X-Total-Count, bounded counts."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db


def links(response) -> dict[str, dict]:
    """rel -> parsed query of the Link header's URL (and the URL itself under '_url')."""
    out = {}
    for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", "")):
        parts = urlsplit(url)
        out[rel] = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"_url": url}
    return out


@pytest.fixture
def seven(make_org, make_repo):
    org = make_org("pg-org")
    for i in range(7):
        make_repo(org, f"r{i}", visibility="public")
    return org


def get(api, query: str):
    return api().get(f"/repos/pg-org?{query}")


def test_first_middle_last_and_past_the_end_pages_keep_other_params(seven, api):
    common = "sort=name&direction=asc&visibility=public&per_page=2"
    first = get(api, common)
    assert first.status_code == 200
    assert [r["name"] for r in first.json()] == ["r0", "r1"]
    assert first["X-Total-Count"] == "7"
    rels = links(first)
    assert set(rels) == {"next", "last"}
    assert rels["next"]["page"] == "2" and rels["last"]["page"] == "4"
    for rel in rels.values():
        assert rel["_url"].startswith("http://testserver/api/v1/repos/pg-org?")
        assert (rel["sort"], rel["direction"], rel["visibility"], rel["per_page"]) == ("name", "asc", "public", "2")

    middle = get(api, common + "&page=2")
    assert [r["name"] for r in middle.json()] == ["r2", "r3"]
    rels = links(middle)
    assert {k: v["page"] for k, v in rels.items()} == {"first": "1", "prev": "1", "next": "3", "last": "4"}
    assert all(v["sort"] == "name" and v["visibility"] == "public" for v in rels.values())

    last = get(api, common + "&page=4")
    assert [r["name"] for r in last.json()] == ["r6"]
    assert {k: v["page"] for k, v in links(last).items()} == {"first": "1", "prev": "3"}
    assert last["X-Total-Count"] == "7"

    past = get(api, common + "&page=9")
    assert past.status_code == 200 and past.json() == []
    assert {k: v["page"] for k, v in links(past).items()} == {"first": "1", "prev": "4"}
    assert past["X-Total-Count"] == "7"


def test_single_page_has_no_link(seven, api):
    response = get(api, "per_page=50")
    assert len(response.json()) == 7
    assert "Link" not in response
    assert response["X-Total-Count"] == "7"


def test_defaults_and_clamping(seven, api):
    response = get(api, "per_page=1000")
    assert response.status_code == 200 and len(response.json()) == 7
    response = get(api, "per_page=1000&page=1")
    assert "Link" not in response


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "per_page=abc", "per_page=0", "per_page=1.5",
                                   "page=", "per_page=", "sort=", "direction="])
def test_bad_page_parameters_are_422(seven, api, query):
    response = get(api, query)
    assert response.status_code == 422, response.content
    name = query.split("=")[0]
    assert list(response.json()["error"]["details"]) == [name]


def test_per_page_over_100_reads_as_100(make_org, api, monkeypatch):
    from kizuna.api import pagination

    captured = {}
    original = pagination.LinkHeaderPagination.parse

    def spy(self, request):
        captured["parsed"] = original(self, request)
        return captured["parsed"]

    monkeypatch.setattr(pagination.LinkHeaderPagination, "parse", spy)
    make_org("pg-org")
    assert get(api, "per_page=1000").status_code == 200
    assert captured["parsed"] == (1, 100)


def test_count_is_bounded_on_huge_lists(seven, api, settings):
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 5
    response = get(api, "per_page=2&sort=name&direction=asc")
    assert "X-Total-Count" not in response
    rels = links(response)
    assert set(rels) == {"next"}  # no `last`: it would need the full count
    middle = get(api, "per_page=2&page=2")
    assert set(links(middle)) == {"first", "prev", "next"}
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 7
    assert get(api, "per_page=2")["X-Total-Count"] == "7"


def test_unordered_queryset_is_refused():
    from django.core.exceptions import ImproperlyConfigured
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from kizuna.api.pagination import LinkHeaderPagination
    from repos.models import Repository

    request = Request(APIRequestFactory().get("/api/v1/x"))
    with pytest.raises(ImproperlyConfigured):
        LinkHeaderPagination().paginate_queryset(Repository.objects.all(), request, view=object())


def test_public_url_setting_is_used_in_links(seven, api, settings):
    settings.KIZUNA_PUBLIC_URL = "https://forge.example.com"
    rels = links(get(api, "per_page=2"))
    assert rels["next"]["_url"].startswith("https://forge.example.com/api/v1/repos/pg-org?")


@pytest.mark.parametrize("path, name", [
    ("/repos/w-org/pub/issues", "state"),
    ("/repos/w-org/pub/issues", "direction"),
    ("/repos/w-org/pub/pulls", "draft"),
    ("/repos/w-org/pub/pulls", "sort"),
    ("/repos/w-org/pub/milestones", "state"),
    ("/repos/w-org/pub/pipelines", "status"),
    ("/repos/w-org", "visibility"),
    ("/agents", "trust_level"),
])
def test_an_empty_choice_is_422_naming_it(world, api, path, name):
    """`?direction=` is not "not sent": like any value outside the choices, 422 naming the parameter."""
    response = api(world.tokens["writer"]).get(f"{path}?{name}=")
    assert response.status_code == 422, response.content
    assert list(response.json()["error"]["details"]) == [name]


def test_a_filtersets_form_class_is_built_once_and_holds_no_request_state():
    """KizunaFilterSet.get_form_class: one form class per FilterSet class (django-filter builds one per
    request); each request's form still validates its own data."""
    from issues.filters import IssueFilter, MilestoneFilter

    bogus = IssueFilter({"state": "bogus"})
    assert not bogus.is_valid() and "state" in bogus.errors
    closed = IssueFilter({"state": "closed"})
    assert closed.is_valid() and closed.form.cleaned_data["state"] == "closed"
    assert closed.get_form_class() is bogus.get_form_class()
    assert set(closed.get_form_class().base_fields) == set(IssueFilter.base_filters)
    assert MilestoneFilter({}).get_form_class() is not closed.get_form_class()
