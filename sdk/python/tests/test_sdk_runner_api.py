"""`kizuna-runner`'s job protocol client (`JobApi`) over the SDK transport, against a scripted stub: what
each answer of the agent job protocol (docs/api.md §11) turns into. The live run is in test_sdk_resources."""

from __future__ import annotations

import json

import pytest

from conftest import envelope, ok
from kizuna_sdk import ForbiddenError
from kizuna_sdk.runner import JobApi, JobGone, LogOffsetMismatch, main


def test_job_api_maps_the_protocol_answers(stub):
    s = stub([
        (201, {"Content-Type": "application/json"}, json.dumps({"id": 7, "steps": [{"run": "true"}], "env": {"A": "1"}})),
        (204, {}, ""),
        ok({"status": "canceled"}),
        envelope(404, "NOT_FOUND"),
        (202, {"X-Log-Offset": "5"}, ""),
        envelope(416, "RANGE_NOT_SATISFIABLE", details={"offset": 3}),
        envelope(409, "CONFLICT"),
        envelope(404, "NOT_FOUND"),
        ok({"id": 7, "status": "success"}),
        envelope(409, "CONFLICT"),
        envelope(403, "FORBIDDEN"),
    ])
    api = JobApi(s.url, "kza_secret")
    job = api.claim(0)
    assert job == {"id": 7, "steps": [{"run": "true"}], "env": {"A": "1"}} and type(job) is dict
    assert api.claim(0) is None  # 204: no job
    assert api.heartbeat(7) == "canceled"
    with pytest.raises(JobGone):
        api.heartbeat(7)
    client = api._client()
    try:
        assert api.append_log(client, 7, 0, b"hello") == 5
        with pytest.raises(LogOffsetMismatch) as info:
            api.append_log(client, 7, 0, b"again")
        assert info.value.offset == 3
        assert api.append_log(client, 7, 5, b"late") == 9  # finished meanwhile
        with pytest.raises(JobGone):
            api.append_log(client, 7, 9, b"x")
    finally:
        client.close()
    assert api.finish(7, "success", 0) is True
    assert api.finish(7, "success", 0) is False  # already finished
    with pytest.raises(ForbiddenError):
        api.finish(7, "failed", 1)

    claim, _, beat, _, log = s.requests[:5]
    assert (claim["method"], claim["path"], json.loads(claim["body"])) == ("POST", "/api/v1/agent/jobs/claim", {"wait": 0})
    assert claim["headers"]["Authorization"] == "Bearer kza_secret"
    assert claim["headers"]["User-Agent"].startswith("kizuna-runner/")
    assert beat["path"] == "/api/v1/agent/jobs/7/heartbeat"
    assert (log["path"], log["body"], log["headers"]["X-Log-Offset"]) == ("/api/v1/agent/jobs/7/log", b"hello", "0")
    assert log["headers"]["Content-Type"].startswith("text/plain")
    assert json.loads(s.requests[8]["body"]) == {"status": "success", "exit_code": 0}


def test_runner_claim_refused_exits_2(stub):
    s = stub([envelope(403, "FORBIDDEN", details={"required_capability": "ci"})])
    assert main(["--url", s.url, "--token", "kza_x", "--once", "--wait", "0"]) == 2


def test_runner_claim_transient_failure_with_once_exits_1(stub, refused_url):
    s = stub([envelope(503, "SERVICE_UNAVAILABLE")])  # POST: not retried by the SDK; the runner decides
    assert main(["--url", s.url, "--token", "kza_x", "--once", "--wait", "0"]) == 1
    assert len(s.requests) == 1
    assert main(["--url", refused_url, "--token", "kza_x", "--once", "--wait", "0"]) == 1


def test_runner_no_job_with_once_exits_0(stub):
    s = stub([(204, {}, "")])
    assert main(["--url", s.url, "--token", "kza_x", "--once", "--wait", "0"]) == 0
