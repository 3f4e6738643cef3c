"""docs/api.md §18: the SDK warns once per deprecated operation it calls (a `DeprecationWarning` at the
caller's line) and keeps the notices; 410 GONE is `GoneError`. Stub servers play the deprecating
server (tests/versions proves the real one sends these headers)."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import pytest

from conftest import envelope
from kizuna_sdk import GoneError, KizunaClient, KizunaDeprecationWarning

NOTES = "https://kizuna.example.com/docs/changes/orgs-v2"
DEPRECATED = {"Deprecation": "@1798761600", "Sunset": "Sat, 01 Jan 2028 00:00:00 GMT",
              "Link": f'<{NOTES}>; rel="deprecation"; type="text/html"'}


@pytest.fixture
def connect():
    clients = []

    def make(url, **kwargs):
        clients.append(KizunaClient(url, "kzp_test", **kwargs))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def answer(body, headers=None, status=200):
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body)


def calls(client, *paths):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in paths:
            client.request("GET", path)
    return [w for w in caught if issubclass(w.category, DeprecationWarning)]


def test_a_deprecated_operation_warns_once_at_the_callers_line(stub, connect):
    s = stub([answer({"login": "a"}, DEPRECATED), answer({"login": "b"}, DEPRECATED), answer({"login": "c"}, DEPRECATED)])
    client = connect(s.url)
    caught = calls(client, "/orgs/a", "/orgs/b", "/orgs/a")
    assert len(caught) == 1
    warning = caught[0]
    assert warning.category is KizunaDeprecationWarning and issubclass(warning.category, DeprecationWarning)
    text = str(warning.message)
    assert "GET /orgs/a" in text and NOTES in text
    assert "since 2027-01-01T00:00:00Z" in text and "Sat, 01 Jan 2028 00:00:00 GMT" in text
    assert warning.filename == __file__  # the caller's line, not the SDK's
    [notice] = client.deprecations
    assert notice.method == "GET" and notice.path == "/orgs/a" and notice.links == (NOTES,)
    assert notice.deprecated_at == dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def test_each_deprecated_operation_warns_and_a_plain_answer_does_not(stub, connect):
    other = {**DEPRECATED, "Deprecation": "@1800000000", "Link": '<https://x.example/n2>; rel="deprecation"'}
    s = stub([answer({}, {}), answer({}, DEPRECATED), answer({}, other), answer({}, DEPRECATED)])
    client = connect(s.url)
    caught = calls(client, "/user", "/orgs/a", "/repos/a/b/issues?milestone=1", "/orgs/b")
    assert [str(w.message).split(" uses")[0] for w in caught] == ["Kizuna API: GET /orgs/a",
                                                                  "Kizuna API: GET /repos/a/b/issues"]
    assert len(client.deprecations) == 2


def test_the_same_deprecation_on_another_method_warns_again(stub, connect):
    s = stub([answer({}, DEPRECATED)])
    client = connect(s.url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.request("GET", "/orgs/a")
        client.request("DELETE", "/orgs/a")
    assert len(caught) == 2


def test_pagination_links_are_not_deprecation_notes(stub, connect):
    page_two = "http://x/api/v1/orgs/a/members?page=2"
    headers = {**DEPRECATED, "Link": f'<{page_two}>; rel="next", <{NOTES}>; rel="deprecation"'}
    s = stub([answer([], headers)])
    client = connect(s.url)
    calls(client, "/orgs/a/members")
    assert client.deprecations[0].links == (NOTES,)


def test_gone_is_a_gone_error_and_still_warns(stub, connect):
    status, headers, body = envelope(410, "GONE", "GET /orgs/{org} was sunset", {"sunset_at": "2028-01-01T00:00:00Z"})
    s = stub([(status, {**headers, **DEPRECATED}, body)])
    client = connect(s.url, retry=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(GoneError) as info:
            client.request("GET", "/orgs/a")
    assert info.value.status == 410 and info.value.code == "GONE"
    assert info.value.details == {"sunset_at": "2028-01-01T00:00:00Z"}
    assert len(caught) == 1


def test_an_event_stream_of_a_deprecated_operation_warns_once(stub, connect):
    stream = (200, {"Content-Type": "text/event-stream", **DEPRECATED}, 'id: 1\nevent: ping\ndata: {"x": 1}\n\n')
    status, headers, body = envelope(410, "GONE", "sunset")
    s = stub([stream, stream, (status, {**headers, **DEPRECATED}, body)])
    client = connect(s.url)
    client._sleep = lambda seconds: None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = client.events.stream("o", "r")
        assert next(events).type == "ping"
        assert next(events).type == "ping"
        with pytest.raises(GoneError):
            next(events)
    assert len([w for w in caught if issubclass(w.category, DeprecationWarning)]) == 1
    assert client.deprecations[0].path == "/repos/o/r/events/stream"
