"""A hostile-input corpus sent to every write endpoint (enumerated from the OpenAPI schema, so a new
endpoint is included by itself) and to git push: nothing answers 500, and no request grows the
process by more than 50 MB (tracemalloc peak). Bounded *work* is asserted where it is decided — the
bounded loader refuses before building (tests/security/test_bounded.py); wall-clock times are not
asserted here, only reported by `-s` (docs/reliability.md has a run's figures). Issue 17."""

import json
import re
import time
import tracemalloc
from functools import lru_cache

import pytest

from ..pipelines.conftest import commit_files
from .test_bounded import alias_bomb

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
PEAK_LIMIT = 50 * MB

BOMB = alias_bomb(7)
HOSTILE_STRINGS = {
    "nul": "a\u0000b",
    "bomb": BOMB,
    "long": "x" * 200_000,
    "controls": "".join(chr(c) for c in range(1, 32)) + "\u2028\u2029\ufeff\ufffe" + "../../" * 20 + "etc/passwd",
}
HUGE_INTS = [10**4000, 2**63, -(10**19), -1]


@lru_cache(maxsize=1)
def schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def write_operations() -> list[tuple[str, str, str | None]]:
    """(method, path template, request media type) of every write in the schema; DELETEs last, the
    repository's own DELETE very last (it takes the objects of the other paths with it)."""
    ops = []
    for path, item in schema()["paths"].items():
        for method, op in item.items():
            if method in ("post", "put", "patch", "delete"):
                media = next(iter(op.get("requestBody", {}).get("content", {}) or {None: None}))
                ops.append((method.upper(), path, media))
    return sorted(ops, key=lambda o: (o[0] == "DELETE", o[1] == "/repos/{org}/{repo}", o[1]))


def _resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(node, dict) and key in node:
            return _resolve(next((n for n in node[key] if _resolve(n).get("type") != "null"), node[key][0]))
    return node if isinstance(node, dict) else {}


def body_fields(method: str, path: str) -> dict[str, str]:
    """{field: type} of the operation's JSON request body."""
    op = schema()["paths"][path][method.lower()]
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return {}
    props = _resolve(content["schema"]).get("properties", {})
    return {name: (_resolve(spec).get("type") or "string") for name, spec in props.items()}


def hostile_bodies(method: str, path: str) -> list[tuple[str, bytes]]:
    """(label, raw JSON body): per field type, the corpus' values; plus documents hostile as a whole."""
    fields = body_fields(method, path) or {"title": "string", "name": "string"}
    out = [
        ("deep-array", b"[" * 100_000 + b"]" * 100_000),
        ("deep-object", b'{"a":' * 20_000 + b"1" + b"}" * 20_000),
        ("deep-in-field", json.dumps({f: 0 for f in fields}).encode()[:-1] + b', "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
        ("wide", b"[" + b",".join([b"0"] * 300_000) + b"]"),
        ("huge-number-literal", ("{" + ", ".join(f'"{f}": {"9" * 5000}' for f in fields) + "}").encode()),
        ("float-overflow", ("{" + ", ".join(f'"{f}": 1e999' for f in fields) + "}").encode()),
        ("nan", ("{" + ", ".join(f'"{f}": NaN' for f in fields) + "}").encode()),
        ("surrogate", ("{" + ", ".join(f'"{f}": "\\ud800"' for f in fields) + "}").encode()),
        ("surrogate-key", b'{"\\udfff": 1}'),
        ("invalid-utf8", b'{"title": "\xed\xa0\x80\xff"}'),
        ("nul-in-key", b'{"ti\\u0000tle": "x"}'),
    ]
    for label, value in HOSTILE_STRINGS.items():
        body = {}
        for name, kind in fields.items():
            if kind == "array":
                body[name] = [value]
            elif kind == "object":
                body[name] = {"A": value, value[:100]: "x"}
            else:
                body[name] = value
        out.append((f"string-{label}", json.dumps(body).encode()))
    for number in HUGE_INTS:
        body = {name: ([number] if kind == "array" else {"A": number} if kind == "object" else number)
                for name, kind in fields.items()}
        out.append((f"int-{number}", json.dumps(body).encode()))
    return out


HOSTILE_HEADERS = [
    {"HTTP_X_REQUEST_ID": "x" * 65_536},
    {"HTTP_IF_NONE_MATCH": '"' + "a" * 65_536 + '"'},
    {"HTTP_IF_MATCH": ", ".join(['"x"'] * 10_000)},
    {"HTTP_ACCEPT": "application/json;q=0.5, " * 5_000},
    {"HTTP_X_FORWARDED_FOR": ", ".join(["1.1.1.1"] * 10_000)},
    {"HTTP_CONTENT_ENCODING": "gzip"},
    {"HTTP_LAST_EVENT_ID": "9" * 10_000},
    {"HTTP_RANGE": "bytes=" + ",".join(["0-1"] * 10_000)},
    {"HTTP_AUTHORIZATION": "Basic " + "QUFB" * 20_000},
    {"HTTP_AUTHORIZATION": "Bearer kzp_" + "a" * 65_536},
    {"HTTP_AUTHORIZATION": "Bearer kzp_\u0000\ud800"},
]


@pytest.fixture
def hostile_world(loaded, make_agent, api):
    w = loaded
    commit_files(w.private, {"feature.txt": "f\n"}, branch="feature")
    admin = api(w.tokens["admin"])
    pr = admin.post("/repos/w-org/priv/pulls", {"title": "p", "head": "feature", "base": "main"})
    assert pr.status_code == 201, pr.content
    w.pull = pr.json()["number"]
    w.review = admin.post(f"/repos/w-org/priv/pulls/{w.pull}/reviews", {"event": "COMMENT", "body": "r"}).json()["id"]
    w.label = admin.post("/repos/w-org/priv/labels", {"name": "hostile-label", "color": "ff0000"}).json()["name"]
    w.agent, w.agent_token = make_agent(w.admin, trust_level=2, capabilities=("ci",))
    w.user_token_id = admin.get("/user/tokens").json()[0]["id"]
    return w


def fill(path: str, w) -> str:
    number = w.pull if "/pulls/" in path else w.milestone if "/milestones/" in path else w.issue
    values = {"org": "w-org", "repo": "priv", "number": number, "comment_id": w.comment, "hook_id": w.hook,
              "delivery_id": w.delivery, "pipeline_id": w.pipeline, "job_id": w.job, "name": w.label,
              "login": "w-reader", "branch": "main", "review_id": w.review, "id": w.deploy_id if "deploy-tokens" in path else
              w.user_token_id if "/user/tokens" in path else str(w.agent.pk)}
    if path.startswith("/orgs/"):
        values["hook_id"] = w.hook  # a repository hook's id under the org: 404, as it should
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def send(client, method, url, body: bytes, content_type="application/json", **headers):
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.generic(method, url, body, content_type=content_type, **headers)
    elapsed = time.perf_counter() - started
    grown = tracemalloc.get_traced_memory()[1] - before
    return response, grown, elapsed


@pytest.fixture
def measured():
    tracemalloc.start()
    report = {"max_seconds": 0.0, "max_peak": 0, "requests": 0, "slowest": []}
    yield report
    tracemalloc.stop()
    print(f"\nhostile corpus: {report['requests']} requests, slowest {report['max_seconds']:.3f} s, "
          f"largest peak {report['max_peak'] / MB:.1f} MB")
    for elapsed, label in sorted(report["slowest"], reverse=True)[:15]:
        print(f"  {elapsed:.3f} s  {label}")


def check(report, label, response, grown, elapsed):
    report["requests"] += 1
    report["max_seconds"] = max(report["max_seconds"], elapsed)
    report["max_peak"] = max(report["max_peak"], grown)
    report["slowest"].append((elapsed, label[:120]))
    assert response.status_code < 500, (label, response.status_code, response.content[:300])
    assert grown < PEAK_LIMIT, (label, f"{grown / MB:.0f} MB")


def test_the_corpus_covers_every_write_endpoint():
    ops = write_operations()
    assert len(ops) >= 40
    assert ("POST", "/repos/{org}/{repo}/issues", "application/json") in ops
    assert ops[-1][:2] == ("DELETE", "/repos/{org}/{repo}")


def test_hostile_bodies_on_every_write_endpoint(hostile_world, api, measured):
    from rest_framework.test import APIClient

    w = hostile_world
    for method, path, media in write_operations():
        client = APIClient()
        token = w.agent_token if path.startswith("/agent/") else w.tokens["admin"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        url = fill(path, w)
        if media == "text/plain":
            bodies = [("nul", b"\x00" * 1000), ("invalid-utf8", b"\xff\xfe" * 1000), ("bomb", BOMB.encode())]
            for label, body in bodies:
                check(measured, f"{method} {path} {label}", *send(client, method, url, body, "text/plain"))
            continue
        if method == "DELETE" and path == "/repos/{org}/{repo}":
            continue  # below, once everything else has run
        for label, body in hostile_bodies(method, path):
            check(measured, f"{method} {path} {label}", *send(client, method, url, body))


def test_hostile_headers_on_every_write_endpoint(hostile_world, measured):
    from rest_framework.test import APIClient

    w = hostile_world
    for method, path, _ in write_operations():
        url = fill(path, w)
        for headers in HOSTILE_HEADERS:
            client = APIClient()
            label = f"{method} {path} {next(iter(headers))}"
            if "HTTP_AUTHORIZATION" not in headers:  # signed in, so the request reaches the view
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {w.tokens['admin']}")
            check(measured, label, *send(client, method, url, b"{}", **headers))


@pytest.mark.parametrize("length", ["-1", "1e9", "9" * 30, "²", " 12", "0x10"])
def test_bogus_content_length(hostile_world, length, measured):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {hostile_world.tokens['admin']}")
    response, grown, elapsed = send(client, "POST", "/api/v1/repos/w-org/priv/issues", b'{"title": "t"}',
                                    CONTENT_LENGTH=length)
    check(measured, length, response, grown, elapsed)
