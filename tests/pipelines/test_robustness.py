"""Edges of the pipelines API: the job log's Range / ETag handling (docs/api.md §6, §11), 405 on every pipeline
and job-protocol route (§2), and bad input that used to answer 500 or the wrong status."""

import pytest
from rest_framework.test import APIClient

from kizuna.accounts.actors import actor_for_user

from pipelines import services
from pipelines.models import Pipeline

from ..api.test_errors import assert_envelope
from .conftest import commit_files
from .test_api import BASE, claim, post_log, trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_job(api, world, ci_repo, runner_agent):
    """A running job with an empty log: (log_url, job_id, agent token)."""
    pipeline_id = trigger(api, world).json()["id"]
    job = claim(api, runner_agent[1]).json()
    return f"{BASE}/{pipeline_id}/jobs/{job['id']}/log", job["id"], runner_agent[1]


@pytest.fixture
def reader(api, world):
    return api(world.tokens["reader"])


# --- the job log: an empty one ------------------------------------------------------------------------
def test_empty_log_is_200_with_an_etag_and_304_when_unchanged(reader, held_job):
    url, job_id, token = held_job
    response = reader.get(url)
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Type"].startswith("text/plain") and response["Accept-Ranges"] == "bytes"
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert reader.get(url)["ETag"] == etag  # stable
    not_modified = reader.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified["ETag"] == etag
    head = reader.client.head("/api/v1" + url, HTTP_IF_NONE_MATCH=etag)
    assert head.status_code == 304


def test_etag_changes_when_the_log_grows(api, reader, held_job):
    url, job_id, token = held_job
    empty_tag = reader.get(url)["ETag"]
    assert post_log(api, token, job_id, b"line\n", 0).status_code == 202
    grown = reader.get(url, HTTP_IF_NONE_MATCH=empty_tag)
    assert grown.status_code == 200 and grown.content == b"line\n" and grown["ETag"] != empty_tag


@pytest.mark.parametrize("header", ["bytes=0-", "bytes=0-0", "bytes=5-", "bytes=-5", "bytes=" + "9" * 5000 + "-"])
def test_any_range_of_an_empty_log_is_416_with_content_range(reader, held_job, header):
    url, _, _ = held_job
    response = reader.get(url, HTTP_RANGE=header)
    error = assert_envelope(response, 416, "RANGE_NOT_SATISFIABLE")
    assert error["details"] == {"size": 0}
    assert response["Content-Range"] == "bytes */0"


# --- the job log: ranges of a non-empty one ---------------------------------------------------------------
@pytest.fixture
def log_url(api, held_job):
    url, job_id, token = held_job
    assert post_log(api, token, job_id, b"hello world\n", 0).status_code == 202
    return url


@pytest.mark.parametrize("header, body, content_range", [
    ("bytes=6-", b"world\n", "bytes 6-11/12"),
    ("bytes=0-4", b"hello", "bytes 0-4/12"),
    ("bytes=11-11", b"\n", "bytes 11-11/12"),
    ("bytes=3-" + "9" * 40, b"lo world\n", "bytes 3-11/12"),  # an end past the log stops at its end
    ("bytes=-6", b"world\n", "bytes 6-11/12"),  # suffix: the last 6 bytes
    ("bytes=-100", b"hello world\n", "bytes 0-11/12"),
    ("BYTES=6-", b"world\n", "bytes 6-11/12"),  # the unit is case-insensitive
])
def test_satisfiable_range_is_206(reader, log_url, header, body, content_range):
    whole = reader.get(log_url)
    response = reader.get(log_url, HTTP_RANGE=header)
    assert response.status_code == 206, response.content
    assert response.content == body and response["Content-Range"] == content_range
    assert response["Content-Type"].startswith("text/plain")
    assert response["ETag"] == whole["ETag"]  # the log's tag, not the part's


@pytest.mark.parametrize("header", ["bytes=12-", "bytes=13-20", "bytes=" + "9" * 5000 + "-", "bytes=-0"])
def test_unsatisfiable_range_is_416_with_content_range(reader, log_url, header):
    response = reader.get(log_url, HTTP_RANGE=header)
    error = assert_envelope(response, 416, "RANGE_NOT_SATISFIABLE")
    assert error["details"] == {"size": 12} and response["Content-Range"] == "bytes */12"


@pytest.mark.parametrize("header", [
    "bytes=\u00b2-",  # a Latin-1 superscript two: str.isdigit() says yes, int() says no (was a 500)
    "bytes=5-3", "bytes=0-1,4-5", "items=0-", "bytes=-", "bytes=a-", "bytes=1-b", "bytes 0-", "",
])
def test_malformed_range_is_ignored(reader, log_url, header):
    response = reader.get(log_url, HTTP_RANGE=header)
    assert response.status_code == 200 and response.content == b"hello world\n"
    assert "Content-Range" not in response


def test_preconditions_come_before_the_range(reader, log_url):
    etag = reader.get(log_url)["ETag"]
    assert reader.get(log_url, HTTP_RANGE="bytes=6-", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # following the tail: nothing new is a 304, not a 416
    assert reader.get(log_url, HTTP_RANGE="bytes=12-", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert reader.get(log_url, HTTP_RANGE="bytes=6-", HTTP_IF_NONE_MATCH='"stale"').status_code == 206


def test_if_range(reader, log_url):
    etag = reader.get(log_url)["ETag"]
    current = reader.get(log_url, HTTP_RANGE="bytes=6-", HTTP_IF_RANGE=etag)
    assert current.status_code == 206 and current.content == b"world\n"
    stale = reader.get(log_url, HTTP_RANGE="bytes=6-", HTTP_IF_RANGE='"stale"')
    assert stale.status_code == 200 and stale.content == b"hello world\n"


# --- the job protocol's log offset -----------------------------------------------------------------------
def append(api, token, job_id, offset: str):
    return api(token).client.post(f"/api/v1/agent/jobs/{job_id}/log", b"x", content_type="text/plain",
                                  HTTP_X_LOG_OFFSET=offset)


@pytest.mark.parametrize("offset", ["\u00b2", "-1", "1.0", "0x0", "", "one"])
def test_log_offset_that_is_not_a_number_is_422(api, held_job, offset):
    _, job_id, token = held_job
    error = assert_envelope(append(api, token, job_id, offset), 422, "VALIDATION_ERROR")
    assert "X-Log-Offset" in error["details"]


@pytest.mark.parametrize("offset", ["9" * 5000, "18446744073709551616", "1"])
def test_log_offset_that_is_wrong_is_416_with_the_right_one(api, held_job, offset):
    _, job_id, token = held_job
    error = assert_envelope(append(api, token, job_id, offset), 416, "RANGE_NOT_SATISFIABLE")
    assert error["details"] == {"offset": 0}


def test_log_offset_with_leading_zeros_and_blanks(api, held_job):
    _, job_id, token = held_job
    assert append(api, token, job_id, " 000 ").status_code == 202


def test_position_parsing():
    assert services.parse_position("12") == 12 and services.parse_position(" 0 ") == 0
    assert services.parse_position("9" * 5000) == services.parse_position("9" * 19) >= 10**18  # past any log
    for bad in (None, "", " ", "-1", "+1", "1_000", "\u00b2", "\u0661", "1 2"):
        assert services.parse_position(bad) is None, bad


# --- 405 on every pipeline and job-protocol route ---------------------------------------------------------
ROUTES = [  # path, the methods it serves (Allow)
    (BASE, {"GET", "HEAD", "POST"}),
    (BASE + "/1", {"GET", "HEAD"}),
    (BASE + "/1/cancel", {"POST"}),
    (BASE + "/1/jobs/1/log", {"GET", "HEAD"}),
    ("/agent/jobs/claim", {"POST"}),
    ("/agent/jobs/1/heartbeat", {"POST"}),
    ("/agent/jobs/1/log", {"POST"}),
    ("/agent/jobs/1/finish", {"POST"}),
]


@pytest.mark.parametrize("caller", ["anonymous", "reader", "agent"])
@pytest.mark.parametrize("path, allowed", ROUTES)
def test_unsupported_method_is_405_with_allow_whoever_asks(api, world, ci_repo, runner_agent, caller, path, allowed):
    token = {"anonymous": None, "reader": world.tokens["reader"], "agent": runner_agent[1]}[caller]
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} - allowed:
        response = client.generic(method, "/api/v1" + path, b"{}", content_type="application/json")
        assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
        assert {m.strip() for m in response["Allow"].split(",")} == allowed, (method, response["Allow"])


def test_supported_method_still_authenticates_first(world, ci_repo):
    assert_envelope(APIClient().post("/api/v1/agent/jobs/claim", {}, format="json"), 401, "UNAUTHORIZED")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer kza_not-a-token")
    assert_envelope(bad.get("/api/v1/agent/jobs/claim"), 401, "UNAUTHORIZED")  # a bad token is never ignored


# --- trigger body -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, field", [
    ({"variables": {"NAME\n": "x"}}, "variables"),  # `$` matched before a trailing newline
    ({"variables": {"NAME": "a\u0000b"}}, "variables"),  # PostgreSQL's jsonb refused it: a 500
    ({"variables": {"A": "1", "B": 2, "9C": "3"}}, "variables"),
    ({"variables": {"A": {"nested": "x"}}}, "variables"),
    ({"variables": None}, "variables"),
    ({"variables": "A=1"}, "variables"),
    ({"ref": "main~1"}, "ref"),
    ({"ref": "main^"}, "ref"),
    ({"ref": "main@{0}"}, "ref"),  # resolved through the reflog
    ({"ref": ":/commit"}, "ref"),  # searched every commit message
    ({"ref": "main:README.md"}, "ref"),
    ({"ref": 5}, "ref"),
])
def test_trigger_bad_input_is_422(api, world, ci_repo, body, field):
    error = assert_envelope(trigger(api, world, **body), 422, "VALIDATION_ERROR")
    assert field in error["details"], error
    assert not Pipeline.objects.exists()


@pytest.mark.parametrize("definition, problem", [
    ('jobs:\n  t:\n    steps: [{run: "echo \\0"}]\n', "jobs.t.steps[0].run: must not contain a NUL character"),
    ('env: {A: "x\\0"}\njobs:\n  t:\n    steps: [{run: x}]\n', "env.A: must not contain a NUL character"),
    ("jobs: " + "[" * 600 + "]" * 600 + "\n", "nested too deeply"),
])
def test_trigger_with_an_unstorable_definition_is_422(api, world, ci_repo, definition, problem):
    commit_files(ci_repo, {".kizuna/pipeline.yml": definition})
    error = assert_envelope(trigger(api, world), 422, "VALIDATION_ERROR")
    assert any(problem in message for message in error["details"]["definition"]), error
    assert not Pipeline.objects.exists()


def test_push_with_a_deeply_nested_definition_starts_nothing(world):
    """The push hook runs inside a push: a definition that crashed the parser made the push fail."""
    repo = world.private
    sha = commit_files(repo, {".kizuna/pipeline.yml": "on: push\njobs: " + "[" * 600 + "]" * 600 + "\n"})
    services.on_push_hook(repo=repo, ref="refs/heads/main", before=services.ZERO_SHA, after=sha,
                          actor=actor_for_user(world.writer))
    assert not Pipeline.objects.exists()


def test_a_log_chunk_may_be_sent_as_octet_stream(api, reader, held_job):
    """What a client generated from the schema sends (it has no text/plain bodies)."""
    url, job_id, token = held_job
    response = api(token).client.post(f"/api/v1/agent/jobs/{job_id}/log", b"raw bytes\n",
                                      content_type="application/octet-stream", HTTP_X_LOG_OFFSET="0")
    assert response.status_code == 202, response.content
    assert response["X-Log-Offset"] == "10"
    assert reader.get(url).content == b"raw bytes\n"
