"""Transport behaviour that a real server cannot be made to show on demand: 5xx, proxy HTML pages,
silence, refused connections, Retry-After handling. Uses tiny local stub servers."""

from __future__ import annotations

import json

import pytest

from conftest import envelope, ok
from kizuna_sdk import (
    ConflictError,
    ForbiddenError,
    KizunaClient,
    KizunaConnectionError,
    KizunaError,
    KizunaTimeoutError,
    NotFoundError,
    NotMergeableError,
    RateLimitedError,
    Resource,
    ServerError,
    UnauthorizedError,
    ValidationError,
)
from conftest import Sleeps


def make(url, **kw) -> KizunaClient:
    client = KizunaClient(url, "kzp_test", **kw)
    client._sleep = Sleeps()
    return client


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "UNAUTHORIZED", UnauthorizedError),
        (403, "FORBIDDEN", ForbiddenError),
        (404, "NOT_FOUND", NotFoundError),
        (405, "NOT_MERGEABLE", NotMergeableError),
        (409, "CONFLICT", ConflictError),
        (422, "VALIDATION_ERROR", ValidationError),
        (429, "RATE_LIMITED", RateLimitedError),
        (500, "INTERNAL_ERROR", ServerError),
        (503, "SERVICE_UNAVAILABLE", ServerError),
        (400, "BAD_REQUEST", KizunaError),
        (405, "METHOD_NOT_ALLOWED", KizunaError),
    ],
)
def test_each_envelope_code_maps_to_its_class(stub, status, code, cls):
    s = stub([envelope(status, code, "boom", {"field": ["bad"]})])
    client = make(s.url, retry=False)
    with pytest.raises(KizunaError) as info:
        client.request("POST", "/anything")
    err = info.value
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.details, err.request_id) == (status, code, "boom", {"field": ["bad"]}, "req-1")
    assert "boom" in str(err) and code in str(err)


def test_not_mergeable_is_not_a_plain_405(stub):
    s = stub([envelope(405, "METHOD_NOT_ALLOWED")])
    with pytest.raises(KizunaError) as info:
        make(s.url).request("POST", "/x")
    assert not isinstance(info.value, NotMergeableError)


def test_non_json_proxy_page_is_a_clear_error_not_a_key_error(stub):
    html = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    s = stub([(502, {"Content-Type": "text/html"}, html)])
    client = make(s.url, retry=False)
    with pytest.raises(ServerError) as info:
        client.repos.get("o", "r")
    err = info.value
    assert err.status == 502 and err.code == "BAD_GATEWAY" and err.details == {}
    assert "non-JSON" in err.message and "502 Bad Gateway" in err.message and "text/html" in err.message


def test_json_error_without_envelope(stub):
    s = stub([(404, {"Content-Type": "application/json"}, '{"detail": "nope"}')])
    with pytest.raises(NotFoundError) as info:
        make(s.url).request("GET", "/x")
    assert info.value.code == "NOT_FOUND"


def test_html_200_from_a_non_kizuna_server(stub):
    s = stub([(200, {"Content-Type": "text/html"}, "<html>welcome to nginx</html>")])
    with pytest.raises(KizunaError) as info:
        make(s.url).request("GET", "/user")
    assert info.value.code == "INVALID_RESPONSE" and "base_url" in info.value.message


def test_connection_refused_is_a_clear_error(refused_url):
    client = make(refused_url)
    with pytest.raises(KizunaConnectionError) as info:
        client.repos.list("x").all()
    assert info.value.status is None and refused_url in info.value.message
    assert client._sleep == []  # no retry loop against a dead address


def test_unresolvable_host_is_a_clear_error():
    with pytest.raises(KizunaConnectionError):
        make("http://kizuna.invalid", timeout=5).request("GET", "/user")


@pytest.mark.parametrize("bad", ["", "kizuna.example.com", "ftp://x", "http://"])
def test_malformed_base_url_is_rejected_at_once(bad):
    with pytest.raises(ValueError, match="base_url"):
        KizunaClient(bad, "t")


def test_timeout_never_hangs(silent_server):
    client = make(silent_server, timeout=0.5)
    with pytest.raises(KizunaTimeoutError) as info:
        client.request("GET", "/user")
    assert isinstance(info.value, KizunaConnectionError) and info.value.code == "TIMEOUT"


def test_429_retried_honouring_retry_after(stub):
    s = stub([
        (429, {"Content-Type": "application/json", "Retry-After": "2"}, '{"error": {"code": "RATE_LIMITED", "message": "slow", "details": {}}}'),
        ok({"login": "alice"}),
    ])
    client = make(s.url)
    assert client.request("GET", "/user").login == "alice"
    assert client._sleep == [2.0]
    assert len(s.requests) == 2


def test_5xx_retried_with_backoff_then_raised(stub):
    s = stub([envelope(503, "SERVICE_UNAVAILABLE")])
    client = make(s.url, max_retries=3, backoff_factor=0.25)
    with pytest.raises(ServerError):
        client.request("DELETE", "/repos/o/r")
    assert client._sleep == [0.25, 0.5, 1.0]
    assert len(s.requests) == 4


def test_backoff_is_capped(stub):
    s = stub([envelope(500, "INTERNAL_ERROR")])
    client = make(s.url, max_retries=4, backoff_factor=1, max_retry_wait=3)
    with pytest.raises(ServerError):
        client.request("PUT", "/x", json={})
    assert client._sleep == [1, 2, 3, 3]


def test_post_is_never_retried(stub):
    s = stub([envelope(503, "SERVICE_UNAVAILABLE"), ok({})])
    client = make(s.url)
    with pytest.raises(ServerError):
        client.request("POST", "/repos/o", json={"name": "x"})
    assert len(s.requests) == 1 and client._sleep == []


def test_retry_switch_off(stub):
    s = stub([envelope(429, "RATE_LIMITED"), ok({})])
    client = make(s.url, retry=False)
    with pytest.raises(RateLimitedError):
        client.request("GET", "/user")
    assert len(s.requests) == 1


def test_retry_after_beyond_the_cap_raises_at_once(stub):
    headers = {"Content-Type": "application/json", "Retry-After": "3599"}
    s = stub([(429, headers, '{"error": {"code": "RATE_LIMITED", "message": "m", "details": {}}}'), ok({})])
    client = make(s.url, max_retry_wait=10)
    with pytest.raises(RateLimitedError) as info:
        client.request("GET", "/user")
    assert info.value.retry_after == 3599 and client._sleep == [] and len(s.requests) == 1


def test_retry_after_http_date(stub):
    s = stub([
        (503, {"Content-Type": "application/json", "Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, "{}"),
        ok({"ok": True}),
    ])
    client = make(s.url)
    assert client.request("GET", "/x").ok is True
    assert client._sleep == [0.0]


def test_rate_limit_headers_are_exposed(stub):
    headers = {"Content-Type": "application/json", "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4998",
               "X-RateLimit-Reset": "1700000000", "X-RateLimit-Used": "2", "X-RateLimit-Resource": "core"}
    s = stub([(200, headers, "{}")])
    client = make(s.url)
    assert client.rate_limit is None
    client.request("GET", "/user")
    assert (client.rate_limit.limit, client.rate_limit.remaining, client.rate_limit.reset, client.rate_limit.used) == (5000, 4998, 1700000000, 2)
    assert client.rate_limit.resource == "core"


def test_next_links_are_followed_on_our_own_host(stub):
    def answer(handler):
        page = "2" if "page=2" in handler.path else "1"
        body = b'[{"n": 2}]' if page == "2" else b'[{"n": 1}]'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if page == "1":  # a proxy's internal host in the link: must not receive our token
            handler.send_header("Link", '<http://internal.example:9000/api/v1/repos/o?per_page=1&page=2>; rel="next"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    s = stub(answer)
    client = make(s.url)
    assert [r.n for r in client.repos.list("o", per_page=1)] == [1, 2]
    assert s.requests[1]["path"] == "/api/v1/repos/o?per_page=1&page=2"


def test_base_url_may_include_api_prefix(stub):
    s = stub([ok({"login": "a"})])
    make(s.url + "/api/v1/").request("GET", "/user")
    assert s.requests[0]["path"] == "/api/v1/user"
    assert s.requests[0]["headers"]["Authorization"] == "Bearer kzp_test"


def test_path_segments_are_encoded(stub):
    s = stub([ok({}), ok([]), ok({})])
    client = make(s.url)
    client.labels.get("o", "r", "good first issue")
    client.issues.remove_label("o", "r", 3, "a/b")
    client.repos.branch("o", "r", "feature/x")
    assert [r["path"] for r in s.requests] == [
        "/api/v1/repos/o/r/labels/good%20first%20issue",
        "/api/v1/repos/o/r/issues/3/labels/a%2Fb",
        "/api/v1/repos/o/r/branches/feature/x",
    ]


def test_list_params(stub):
    s = stub([ok([])])
    make(s.url).issues.list("o", "r", state="all", labels=["bug", "ui"], milestone="none").all()
    assert s.requests[0]["path"] == "/api/v1/repos/o/r/issues?state=all&labels=bug%2Cui&milestone=none&per_page=100"


def test_resource_is_a_read_only_mapping_with_attributes():
    r = Resource({"id": 1, "owner": {"login": "o"}, "labels": [{"name": "bug"}]})
    assert r.id == r["id"] == 1
    assert r.owner.login == "o" and r["owner"]["login"] == "o"
    assert r.labels[0].name == "bug"
    assert dict(r)["id"] == 1 and set(r) == {"id", "owner", "labels"} and len(r) == 3
    assert r == {"id": 1, "owner": {"login": "o"}, "labels": [{"name": "bug"}]}
    with pytest.raises(AttributeError):
        r.id = 2
    with pytest.raises(TypeError):
        r["id"] = 2  # type: ignore[index]
    with pytest.raises(AttributeError, match="missing"):
        r.missing
    copy = r.to_dict()
    copy["owner"]["login"] = "changed"
    assert r.owner.login == "o"


def test_contents_paths(stub):
    s = stub([ok([]), ok({}), ok({})])
    client = make(s.url)
    client.repos.contents("o", "r")
    client.repos.contents("o", "r", "/docs/read me.md", ref="main")
    client.repos.commit("o", "r", "abc")
    assert [r["path"] for r in s.requests] == [
        "/api/v1/repos/o/r/contents",
        "/api/v1/repos/o/r/contents/docs/read%20me.md?ref=main",
        "/api/v1/repos/o/r/commits/abc",
    ]


def test_webhook_paths_repo_and_org(stub):
    s = stub([ok([]), ok([]), ok({}), ok({})])
    client = make(s.url)
    client.webhooks.list("o", "r").all()
    client.webhooks.list("o").all()
    client.webhooks.create("o", url="https://example.com/h", events=["push"], secret="s")
    client.webhooks.get("o", None, 5)
    assert [(r["method"], r["path"]) for r in s.requests] == [
        ("GET", "/api/v1/repos/o/r/webhooks?per_page=100"),
        ("GET", "/api/v1/orgs/o/webhooks?per_page=100"),
        ("POST", "/api/v1/orgs/o/webhooks"),
        ("GET", "/api/v1/orgs/o/webhooks/5"),
    ]
    assert json.loads(s.requests[2]["body"]) == {"url": "https://example.com/h", "events": ["push"], "secret": "s", "content_type": "json"}


def test_update_sends_exactly_the_given_fields(stub):
    s = stub([ok({"number": 1})])
    make(s.url).issues.update("o", "r", 1, milestone=None, title="t")
    assert json.loads(s.requests[0]["body"]) == {"milestone": None, "title": "t"}


def test_a_body_that_stalls_times_out(stub):
    import time as _time

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b'{"partial": ')
        handler.wfile.flush()
        _time.sleep(3)  # never finishes within the client's timeout

    s = stub(answer)
    with pytest.raises(KizunaTimeoutError):
        make(s.url, timeout=0.3).request("GET", "/user")

def test_clients_build_the_tls_context_once_with_verification_on(monkeypatch):
    """Loading the CA bundle was most of a client's construction (~25 ms); the runner builds a client
    per thread per job, and a job's first log upload waited for it."""
    import ssl

    from kizuna_sdk import transport

    built = []  # every TLS context made, by httpx or by us
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: built.append(1) or real(*a, **k))
    transport.shared_tls_context.cache_clear()
    try:
        clients = [KizunaClient(f"https://k{i}.example", "kzp_x") for i in range(3)]
        context = transport.shared_tls_context()
        assert len(built) == 1
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        for client in clients:
            client.close()
    finally:
        transport.shared_tls_context.cache_clear()
