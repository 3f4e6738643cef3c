"""docs/api.md §18 end to end: a second version registered by the tests (tests/versions/v2_urls.py), a
deprecated v1 operation, parameter and field, and the clock moved past their sunsets."""

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from django.test import override_settings

from kizuna import versions
from kizuna.api.checks import refuse_to_start_on_serious_errors, versions_are_sound
from kizuna.versions import Change, Deprecation, Registry, Version

pytestmark = pytest.mark.django_db

NOTES = "https://kizuna.example.com/docs/changes/orgs-v2"
PARAM_NOTES = "https://kizuna.example.com/docs/changes/milestone-filter"
FIELD_NOTES = "https://kizuna.example.com/docs/changes/org-description"
RELEASED = dt.date(2026, 11, 28)
DEPRECATED = dt.date(2027, 1, 1)
SUNSET = dt.date(2028, 1, 1)
BEFORE = dt.datetime(2027, 6, 1, tzinfo=dt.timezone.utc)
AFTER = dt.datetime(2028, 1, 1, tzinfo=dt.timezone.utc)  # the sunset's first second

V1 = Version("v1", urlconf="kizuna.urls_v1", released_at=RELEASED)
V2 = Version("v2", urlconf="tests.versions.v2_urls", released_at=dt.date(2027, 1, 1))
ORG_GET = Deprecation("GET /orgs/{org}", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes=NOTES)


def registry(*deprecations, v1=V1, changes=()):
    return Registry([v1, V2], list(deprecations), list(changes))


@pytest.fixture
def org(make_user, make_org):
    owner = make_user("vr-owner")
    return make_org("vr-org", owner=owner, members={make_user("vr-member"): "read"})


@pytest.fixture
def owner_api(api, org, make_token):
    from kizuna.accounts.models import User

    return api(make_token(User.objects.get(username="vr-owner")))


def unix(day: dt.date) -> int:
    return int(versions.instant(day).timestamp())


def test_v2_changes_one_representation_while_v1_answers_as_before(api, org):
    with versions.override(registry()):
        v1 = api().get("/api/v1/orgs/vr-org")
        v2 = api().get("/api/v2/orgs/vr-org")
        assert v1.status_code == v2.status_code == 200
        assert "name" in v1.json() and "display_name" not in v1.json()
        assert "display_name" in v2.json() and "name" not in v2.json()
        assert v2.json()["display_name"] == v1.json()["name"]
        # Everything v2 does not change answers the same in both.
        assert api().get("/api/v2/orgs/vr-org/members").status_code == 401
        assert "Deprecation" not in v1 and "Deprecation" not in v2
    # Without the test registry, v2 is not routed again.
    gone = api().get("/api/v2/orgs/vr-org")
    assert gone.status_code == 404
    assert gone.json()["error"]["details"] == {"supported_versions": ["v1"]}


def test_a_deprecated_v1_operation_carries_the_headers_then_answers_410_after_its_sunset(api, org):
    with versions.override(registry(ORG_GET)):
        with versions.travel_to(BEFORE):
            old = api().get("/api/v1/orgs/vr-org")
            new = api().get("/api/v2/orgs/vr-org")
            other = api().get("/api/v1/orgs/vr-org/members")
        assert old.status_code == 200
        assert old["Deprecation"] == f"@{unix(DEPRECATED)}"
        assert parsedate_to_datetime(old["Sunset"]) == versions.instant(SUNSET)
        assert old["Link"] == f'<{NOTES}>; rel="deprecation"; type="text/html"'
        for response in (new, other):
            assert "Deprecation" not in response and "Sunset" not in response
        # Errors of the deprecated operation carry them too (it is the operation that is deprecated).
        with versions.travel_to(BEFORE):
            missing = api().get("/api/v1/orgs/no-such-org")
        assert missing.status_code == 404 and missing["Deprecation"] == f"@{unix(DEPRECATED)}"

        with versions.travel_to(AFTER):
            old = api().get("/api/v1/orgs/vr-org")
            new = api().get("/api/v2/orgs/vr-org")
            other = api().get("/api/v1/orgs/vr-org/members")
        assert old.status_code == 410
        error = old.json()["error"]
        assert error["code"] == "GONE"
        assert error["details"] == {"sunset_at": "2028-01-01T00:00:00Z", "notes": NOTES}
        assert old["Sunset"] and old["Link"].startswith(f"<{NOTES}>")
        assert "X-RateLimit-Limit" in old  # counted like every request
        assert new.status_code == 200 and other.status_code == 401


def test_head_and_not_modified_answers_carry_the_headers(api, org):
    with versions.override(registry(ORG_GET)), versions.travel_to(BEFORE):
        first = api().get("/api/v1/orgs/vr-org")
        head = api().client.head("/api/v1/orgs/vr-org")
        cached = api().get("/api/v1/orgs/vr-org", HTTP_IF_NONE_MATCH=first["ETag"])
    assert head.status_code == 200 and head["Deprecation"] == first["Deprecation"]
    assert cached.status_code == 304 and cached["Sunset"] == first["Sunset"]


def test_headers_follow_the_http_date_and_rfc_9745_formats(api, org):
    with versions.override(registry(ORG_GET)), versions.travel_to(BEFORE):
        response = api().get("/api/v1/orgs/vr-org")
    assert response["Sunset"] == "Sat, 01 Jan 2028 00:00:00 GMT"
    assert response["Deprecation"] == "@1798761600"


def test_a_deprecated_query_parameter_touches_only_requests_that_send_it(api, make_user, make_token, make_repo, org):
    param = Deprecation("GET /repos/{org}/{repo}/issues", parameter="milestone", deprecated_at=DEPRECATED,
                        sunset_at=SUNSET, notes=PARAM_NOTES)
    make_repo(org, "pub")
    with versions.override(registry(param)):
        with versions.travel_to(BEFORE):
            plain = api().get("/api/v1/repos/vr-org/pub/issues")
            sent = api().get("/api/v1/repos/vr-org/pub/issues", {"milestone": "none"})
        assert plain.status_code == sent.status_code == 200
        assert "Deprecation" not in plain
        assert sent["Deprecation"] == f"@{unix(DEPRECATED)}" and PARAM_NOTES in sent["Link"]
        with versions.travel_to(AFTER):
            plain = api().get("/api/v1/repos/vr-org/pub/issues")
            sent = api().get("/api/v1/repos/vr-org/pub/issues", {"milestone": "none"})
        assert plain.status_code == 200
        assert sent.status_code == 410
        assert sent.json()["error"]["details"]["parameter"] == "milestone"


def test_a_deprecated_response_field_carries_the_headers_then_leaves_the_response(api, org):
    field = Deprecation("GET /orgs/{org}", field="description", deprecated_at=DEPRECATED, sunset_at=SUNSET,
                        notes=FIELD_NOTES)
    with versions.override(registry(field)):
        with versions.travel_to(BEFORE):
            before = api().get("/api/v1/orgs/vr-org")
            missing = api().get("/api/v1/orgs/no-such-org")
        assert "description" in before.json()
        assert before["Deprecation"] == f"@{unix(DEPRECATED)}" and FIELD_NOTES in before["Link"]
        assert "Deprecation" not in missing  # a 404 holds no field
        with versions.travel_to(AFTER):
            after = api().get("/api/v1/orgs/vr-org")
        assert after.status_code == 200
        assert "description" not in after.json() and after.json()["login"] == "vr-org"
        assert "Deprecation" not in after


def test_deprecation_links_follow_the_pagination_links(api, org, owner_api):
    members = Deprecation("GET /orgs/{org}/members", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes=NOTES)
    with versions.override(registry(members)), versions.travel_to(BEFORE):
        response = owner_api.get("/api/v1/orgs/vr-org/members", {"per_page": 1})
    assert response.status_code == 200
    links = response["Link"].split(", ")
    assert [link.rsplit("rel=", 1)[1].split(";")[0] for link in links] == ['"next"', '"last"', '"deprecation"']


def test_a_deprecated_version_marks_every_response_and_a_sunset_one_answers_410(api, org):
    v1 = Version("v1", urlconf="kizuna.urls_v1", released_at=RELEASED, deprecated_at=DEPRECATED, sunset_at=SUNSET,
                 notes=NOTES)
    with versions.override(registry(v1=v1)):
        with versions.travel_to(BEFORE):
            listing = api().client.get("/api").json()["versions"]
            user = api().get("/api/v1/user")
            unknown_path = api().get("/api/v1/no/such/path")
            v2 = api().get("/api/v2/orgs/vr-org")
        assert listing == [
            {"version": "v1", "status": "deprecated", "deprecated_at": "2027-01-01T00:00:00Z",
             "sunset_at": "2028-01-01T00:00:00Z", "url": "http://testserver/api/v1"},
            {"version": "v2", "status": "stable", "deprecated_at": None, "sunset_at": None,
             "url": "http://testserver/api/v2"},
        ]
        assert user.status_code == 401 and user["Deprecation"] == f"@{unix(DEPRECATED)}"
        assert unknown_path.status_code == 404 and "Sunset" in unknown_path
        assert "Deprecation" not in v2
        with versions.travel_to(AFTER):
            listing = api().client.get("/api").json()["versions"]
            gone = api().get("/api/v1/orgs/vr-org")
        assert listing[0]["status"] == "sunset"
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "GONE"
        assert gone.json()["error"]["details"]["supported_versions"] == ["v2"]


def test_an_unknown_version_is_404_naming_the_supported_ones(api):
    for path in ("/api/v9/user", "/api/v0", "/api/v12/orgs/x/"):
        response = api().get(path)
        assert response.status_code == 404, path
        error = response.json()["error"]
        assert error["code"] == "NOT_FOUND"
        assert error["details"] == {"supported_versions": ["v1"]}
    assert api().get("/api/v1/no-such-thing").json()["error"]["details"] == {}


def test_get_api_needs_no_token_but_refuses_a_bad_one(api):
    response = api().client.get("/api")
    assert response.status_code == 200
    assert response.json() == {"versions": [{"version": "v1", "status": "stable", "deprecated_at": None,
                                             "sunset_at": None, "url": "http://testserver/api/v1"}]}
    assert api("kzp_notavalidtoken").client.get("/api").status_code == 401


@override_settings(KIZUNA_PUBLIC_URL="https://forge.example.com")
def test_version_urls_honour_the_public_url(api):
    assert api().client.get("/api").json()["versions"][0]["url"] == "https://forge.example.com/api/v1"


# --- The changelog --------------------------------------------------------------------------------

def test_the_changelog_lists_dated_changes_newest_first_and_paginates(api):
    extra = Change(dt.date(2027, 2, 1), "changed", "v1: issues sort by number by default")
    with versions.override(registry(ORG_GET, changes=[*versions.CHANGES, extra])), versions.travel_to(BEFORE):
        everything = api().get("/api/v1/changelog", {"per_page": 100}).json()
        page = api().get("/api/v1/changelog", {"per_page": 2, "page": 2})
    dates = [entry["date"] for entry in everything]
    assert dates == sorted(dates, reverse=True)
    assert everything[0] == {"date": "2027-02-01", "kind": "changed", "what": "v1: issues sort by number by default",
                             "notes": None}
    assert {"date": "2027-01-01", "kind": "deprecated", "what": "v1: GET /orgs/{org} (sunset 2028-01-01T00:00:00Z)",
            "notes": NOTES} in everything
    assert {"date": "2027-01-01", "kind": "added", "what": "API v2", "notes": None} in everything
    assert {"date": "2026-11-28", "kind": "added", "what": "API v1", "notes": None} in everything
    # The removal is announced by the headers; the changelog lists it once it happened.
    assert not [e for e in everything if e["kind"] == "removed"]
    assert page.json() == everything[2:4]
    assert 'rel="prev"' in page["Link"] and page["X-Total-Count"] == str(len(everything))
    with versions.override(registry(ORG_GET)), versions.travel_to(AFTER):
        latest = api().get("/api/v1/changelog").json()[0]
    assert latest == {"date": "2028-01-01", "kind": "removed", "what": "v1: GET /orgs/{org}", "notes": NOTES}


def test_the_changelog_refuses_bad_pagination(api):
    assert api().get("/api/v1/changelog", {"page": "x"}).status_code == 422
    assert api().get("/api/v1/changelog", {"page": "99"}).json() == []


# --- The schema -----------------------------------------------------------------------------------

def schema(api, version="v1"):
    response = api().get(f"/api/{version}/schema", {"format": "json"})
    assert response.status_code == 200
    import json

    return json.loads(response.content)


def test_the_schema_marks_deprecated_operations_parameters_and_fields(api):
    param = Deprecation("GET /repos/{org}/{repo}/issues", parameter="milestone", deprecated_at=DEPRECATED,
                        sunset_at=SUNSET, notes=PARAM_NOTES)
    field = Deprecation("GET /orgs/{org}/members", field="role", deprecated_at=DEPRECATED, sunset_at=SUNSET,
                        notes=FIELD_NOTES)
    with versions.override(registry(ORG_GET, param, field)), versions.travel_to(BEFORE):
        doc = schema(api)
        v2 = schema(api, "v2")
    operation = doc["paths"]["/orgs/{org}"]["get"]
    assert operation["deprecated"] is True
    assert operation["x-deprecated-at"] == "2027-01-01T00:00:00Z" and operation["x-sunset-at"] == "2028-01-01T00:00:00Z"
    assert operation["externalDocs"]["url"] == NOTES
    assert {"Deprecation", "Sunset", "Link"} <= set(operation["responses"]["200"]["headers"])
    assert "410" in operation["responses"]
    assert "deprecated" not in doc["paths"]["/orgs/{org}/members"]["get"]
    issues = doc["paths"]["/repos/{org}/{repo}/issues"]["get"]
    milestone = next(p for p in issues["parameters"] if p["name"] == "milestone")
    assert milestone["deprecated"] is True and milestone["x-sunset-at"] == "2028-01-01T00:00:00Z"
    assert "deprecated" not in issues
    member = doc["components"]["schemas"]["Member"]["properties"]["role"]
    assert member["deprecated"] is True and member["x-deprecated-at"] == "2027-01-01T00:00:00Z"
    # v2's schema: its own representation, none of v1's deprecations, no v1 paths.
    assert "display_name" in v2["components"]["schemas"]["OrganizationV2"]["properties"]
    assert "deprecated" not in v2["paths"]["/orgs/{org}"]["get"]
    assert v2["servers"] == [{"url": "/api/v2"}]
    assert doc["servers"] == [{"url": "/api/v1"}]


def test_the_schema_drops_a_field_past_its_sunset(api):
    field = Deprecation("GET /orgs/{org}/members", field="role", deprecated_at=DEPRECATED, sunset_at=SUNSET,
                        notes=FIELD_NOTES)
    with versions.override(registry(field)), versions.travel_to(AFTER):
        doc = schema(api)
    assert "role" not in doc["components"]["schemas"]["Member"]["properties"]
    assert "role" not in doc["components"]["schemas"]["Member"].get("required", [])


def test_the_schema_documents_get_api_at_the_servers_root_and_the_changelog_as_a_list(api):
    doc = schema(api)
    versions_op = doc["paths"]["/api"]["get"]
    assert versions_op["servers"] == [{"url": "/", "description": "The server's root, outside any version"}]
    assert {} in versions_op["security"]
    changelog = doc["paths"]["/changelog"]["get"]
    assert [p["name"] for p in changelog["parameters"] if p["in"] == "query"] == ["page", "per_page"]
    assert {"Link", "X-Total-Count"} <= set(changelog["responses"]["200"]["headers"])


def test_a_deprecated_version_marks_its_schema(api):
    v1 = Version("v1", urlconf="kizuna.urls_v1", released_at=RELEASED, deprecated_at=DEPRECATED, sunset_at=SUNSET,
                 notes=NOTES)
    with versions.override(registry(v1=v1)), versions.travel_to(BEFORE):
        doc = schema(api)
    assert doc["info"]["deprecated"] is True and doc["info"]["x-sunset-at"] == "2028-01-01T00:00:00Z"
    assert all(op["deprecated"] for path, item in doc["paths"].items() if path != "/api" for op in item.values())


# --- The start-up check ---------------------------------------------------------------------------

def ids(errors):
    return sorted(e.id for e in errors)


def test_the_shipped_registry_passes_the_check():
    assert versions_are_sound(None) == []
    refuse_to_start_on_serious_errors()


def test_a_sunset_less_than_12_months_after_the_deprecation_is_refused():
    short = Deprecation("GET /orgs/{org}", deprecated_at=dt.date(2027, 1, 2), sunset_at=dt.date(2028, 1, 1), notes=NOTES)
    exact = Deprecation("GET /orgs/{org}", deprecated_at=dt.date(2027, 1, 1), sunset_at=dt.date(2028, 1, 1), notes=NOTES)
    with versions.override(registry(short)):
        assert ids(versions_are_sound(None)) == ["kizuna.E101"]
        with pytest.raises(Exception, match="E101"):
            refuse_to_start_on_serious_errors()
    with versions.override(registry(exact)):
        assert versions_are_sound(None) == []
    v1 = Version("v1", urlconf="kizuna.urls_v1", released_at=RELEASED, deprecated_at=dt.date(2027, 3, 1),
                 sunset_at=dt.date(2027, 12, 1), notes=NOTES)
    with versions.override(registry(v1=v1)):
        assert "kizuna.E101" in ids(versions_are_sound(None))


def test_something_past_its_sunset_still_routed_is_refused():
    v1 = Version("v1", urlconf="kizuna.urls_v1", released_at=RELEASED, deprecated_at=DEPRECATED, sunset_at=SUNSET,
                 notes=NOTES)
    with versions.override(registry(ORG_GET)):
        with versions.travel_to(BEFORE):
            assert versions_are_sound(None) == []
        with versions.travel_to(AFTER):
            assert ids(versions_are_sound(None)) == ["kizuna.E105"]
    with versions.override(registry(v1=v1)), versions.travel_to(AFTER):
        # Routed when the URLs were built (before the sunset), so a restart would refuse to serve it.
        assert "kizuna.E103" in ids(versions_are_sound(None))
    with versions.travel_to(AFTER), versions.override(registry(v1=v1)):
        # Built after the sunset: v1 is no longer routed, and it still answers 410.
        assert versions_are_sound(None) == []


def test_a_deprecation_of_an_operation_that_does_not_exist_is_refused():
    typo = Deprecation("GET /orgs/{login}", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes=NOTES)
    with versions.override(registry(typo)):
        assert ids(versions_are_sound(None)) == ["kizuna.E106"]


def test_the_registry_refuses_malformed_declarations():
    with pytest.raises(ValueError):
        Deprecation("orgs/{org}", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes=NOTES)
    with pytest.raises(ValueError):
        Deprecation("GET /orgs/{org}", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes="")
    with pytest.raises(ValueError):
        Version("2", urlconf="x", released_at=RELEASED)
    with pytest.raises(ValueError):
        Registry([V1, V1])
    with pytest.raises(ValueError):
        Registry([V1], [Deprecation("GET /x", version="v3", deprecated_at=DEPRECATED, sunset_at=SUNSET, notes=NOTES)])
    with pytest.raises(ValueError):
        Change(RELEASED, "renamed", "x")


def test_months_later_keeps_the_day_or_takes_the_months_last():
    utc = dt.timezone.utc
    assert versions.months_later(dt.datetime(2027, 1, 31, tzinfo=utc), 1) == dt.datetime(2027, 2, 28, tzinfo=utc)
    assert versions.months_later(dt.datetime(2028, 2, 29, tzinfo=utc), 12) == dt.datetime(2029, 2, 28, tzinfo=utc)
    assert versions.months_later(dt.datetime(2027, 3, 15, tzinfo=utc), 12) == dt.datetime(2028, 3, 15, tzinfo=utc)


# --- Schemathesis over deprecated answers -----------------------------------------------------------

@pytest.fixture
def keep_connection():
    """In-process WSGI calls inside the test's transaction: Django's request signals must not close
    the test's connection (as in tests/contract)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_deprecated_and_gone_answers_conform_to_the_schema(org, make_repo, make_token, keep_connection):
    """The headers, the 410 and the marked field are documented as the server sends them."""
    import schemathesis
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from kizuna.wsgi import application

    checks = [status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]
    field = Deprecation("GET /orgs/{org}/members", field="role", deprecated_at=DEPRECATED, sunset_at=SUNSET,
                        notes=FIELD_NOTES)
    param = Deprecation("GET /repos/{org}/{repo}/issues", parameter="state", deprecated_at=DEPRECATED,
                        sunset_at=SUNSET, notes=PARAM_NOTES)
    from kizuna.accounts.models import User

    make_repo(org, "pub")
    owner = make_token(User.objects.get(username="vr-owner"))
    with versions.override(registry(ORG_GET, field, param)):
        for moment, expected in ((BEFORE, 200), (AFTER, 410)):
            with versions.travel_to(moment):
                schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
                case = schema["/orgs/{org}"]["GET"].Case(path_parameters={"org": "vr-org"})
                response = case.call_and_validate(checks=checks)
                assert response.status_code == expected
                assert response.headers["deprecation"] == [f"@{unix(DEPRECATED)}"], response.headers
                issues = schema["/repos/{org}/{repo}/issues"]["GET"].Case(
                    path_parameters={"org": "vr-org", "repo": "pub"}, query={"state": "open"})
                assert issues.call_and_validate(checks=checks).status_code == expected
                members = schema["/orgs/{org}/members"]["GET"].Case(path_parameters={"org": "vr-org"})
                response = members.call_and_validate(checks=checks, headers={"Authorization": f"Bearer {owner}"})
                assert response.status_code == 200
                assert ("role" in response.json()[0]) is (moment == BEFORE)
