"""The schema states the rules the server enforces (issue: "the schema promises what the server refuses"),
and each stated rule is one the server really applies."""

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def resolve(schema, node):
    while "$ref" in node:
        _, kind, name = node["$ref"].rsplit("/", 2)
        node = schema["components"][kind][name]
    return node


def component(schema, name):
    return schema["components"]["schemas"][name]


def prop(schema, name, field):
    return component(schema, name)["properties"][field]


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield path, method, op


def parameter(schema, path, method, name):
    (found,) = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found


# --- headers -----------------------------------------------------------------------------------------
def test_headers_are_shared_components_and_the_always_sent_ones_are_required(schema):
    headers = schema["components"]["headers"]
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used",
                 "X-RateLimit-Resource", "X-Request-Id", "ETag", "Retry-After", "WWW-Authenticate", "Allow"):
        assert headers[name]["required"] is True, name
    assert "required" not in headers["Link"] and "required" not in headers["X-Total-Count"]
    for path, method, op in operations(schema):
        for code, response in op["responses"].items():
            response = resolve(schema, response)
            assert all(set(h) == {"$ref"} for h in response.get("headers", {}).values()), (path, method, code)
            assert "X-RateLimit-Limit" in response["headers"], (path, method, code)


def test_statuses_carry_their_headers(schema):
    for path, method, op in operations(schema):
        responses = {code: resolve(schema, r) for code, r in op["responses"].items()}
        for code, header in (("401", "WWW-Authenticate"), ("405", "Allow"), ("429", "Retry-After"),
                             ("503", "Retry-After")):
            assert code not in responses or header in responses[code]["headers"], (path, method, code)
        if method == "get":
            assert {"304", "412"} <= set(responses), path
            assert "ETag" in responses["304"]["headers"]
            names = {p["name"] for p in op["parameters"]}
            assert {"If-None-Match", "If-Match"} <= names, path
            if "application/json" in responses["200"].get("content", {}):
                assert "ETag" in responses["200"]["headers"], path


def test_errors_listed_are_the_ones_the_server_can_answer(schema):
    """Every operation lists the shared errors, except those its path cannot answer: the health check
    reads no credentials and is never rate limited; `GET /rate_limit` is never refused by the limiter
    (tests/api/test_service_endpoints.py shows the server doing so)."""
    codes = {(path, method): set(op["responses"]) for path, method, op in operations(schema)}
    assert not {"401", "403", "429"} & codes[("/health", "get")]
    assert {"404", "405", "500"} <= codes[("/health", "get")]
    assert "429" not in codes[("/rate_limit", "get")] and "401" in codes[("/rate_limit", "get")]
    others = [key for key in codes if key not in {("/health", "get"), ("/rate_limit", "get")}]
    assert others and all({"401", "403", "429"} <= codes[key] for key in others)


def test_the_schema_is_a_fraction_of_its_former_size(schema):
    assert len(json.dumps(schema, separators=(",", ":"))) < 600_000  # 2.8 MB when each operation repeated all


def test_operations_are_tagged_by_resource(schema):
    tags = {(path, method): op["tags"] for path, method, op in operations(schema)}
    assert tags[("/repos/{org}/{repo}/pulls/{number}/merge", "post")] == ["pulls"]
    assert tags[("/repos/{org}/{repo}/pipelines", "get")] == ["pipelines"]
    assert tags[("/repos/{org}/{repo}/issues", "get")] == ["issues"]
    assert tags[("/repos/{org}/{repo}", "get")] == ["repos"]
    assert tags[("/orgs/{org}/webhooks", "get")] == ["webhooks"]
    assert tags[("/agent/jobs/claim", "post")] == ["runner"]
    counts = {}
    for (path, method), names in tags.items():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    assert max(counts.values()) <= 20, counts
    declared = {tag["name"] for tag in schema["tags"]}
    assert set(counts) <= declared and all(tag.get("description") for tag in schema["tags"])


# --- bodies --------------------------------------------------------------------------------------------
def test_request_rules_are_stated(schema):
    capabilities = prop(schema, "AgentCreateRequest", "capabilities")
    assert capabilities["items"]["pattern"] and capabilities["maxItems"] == 50
    assert prop(schema, "TokenRequest", "scopes")["minItems"] == 1
    assert prop(schema, "DeployTokenRequest", "scopes")["minItems"] == 1
    assert "future" in prop(schema, "TokenRequest", "expires_at")["description"]
    events = prop(schema, "WebhookCreateRequest", "events")
    assert events["minItems"] == 1
    assert "issue" in resolve(schema, events["items"])["enum"]
    for name, field in (("OrganizationRequest", "login"), ("RepositoryCreateRequest", "name"),
                        ("LabelRequest", "name"), ("LabelRequest", "color")):
        assert prop(schema, name, field).get("pattern"), (name, field)
    assert prop(schema, "IssueCreateRequest", "title")["pattern"] == r"\S"
    assert "white space" in prop(schema, "IssueCreateRequest", "title")["description"]


def test_comment_patch_requires_its_body(schema):
    body = schema["paths"]["/repos/{org}/{repo}/issues/comments/{comment_id}"]["patch"]["requestBody"]
    assert body["required"] is True
    assert "body" in resolve(schema, body["content"]["application/json"]["schema"])["required"]


def test_issue_state_and_state_reason_are_paired(schema):
    rules = component(schema, "PatchedIssueWriteRequest")["allOf"]
    by_state = {rule["if"]["properties"]["state"]["const"]: rule["then"]["properties"]["state_reason"]["enum"]
                for rule in rules}
    assert by_state == {"open": ["reopened", None], "closed": ["completed", "not_planned", None]}


def test_query_and_path_parameters_have_the_servers_types(schema):
    after_id = parameter(schema, "/repos/{org}/{repo}/events", "get", "after_id")["schema"]
    assert after_id["type"] == "integer" and after_id["minimum"] == 0
    for name in ("last_event_id", "Last-Event-ID"):
        assert parameter(schema, "/user/events/stream", "get", name)["schema"]["minimum"] == 0
    labels = parameter(schema, "/repos/{org}/{repo}/issues", "get", "labels")["schema"]
    assert not re.search(labels["pattern"], "") and not re.search(labels["pattern"], " , ")
    for path, method, name in (("/repos/{org}/{repo}/webhooks/{hook_id}", "get", "hook_id"),
                               ("/orgs/{org}/webhooks/{hook_id}/deliveries/{delivery_id}", "get", "delivery_id"),
                               ("/user/tokens/{id}", "delete", "id"),
                               ("/repos/{org}/{repo}/deploy-tokens/{id}", "delete", "id")):
        assert parameter(schema, path, method, name)["schema"]["type"] == "integer", (path, name)


def test_always_sent_fields_are_required_in_responses(schema):
    for name in ("Milestone", "Label", "Repository", "Webhook", "Delivery", "Job", "Pipeline", "Token",
                 "Organization"):
        spec = component(schema, name)
        assert set(spec["required"]) == set(spec["properties"]), name


def test_the_job_log_body_can_be_sent_raw(schema):
    content = schema["paths"]["/agent/jobs/{job_id}/log"]["post"]["requestBody"]["content"]
    assert {"text/plain", "application/octet-stream"} <= set(content)


# --- the server applies what the schema states ------------------------------------------------------------
def test_the_server_refuses_what_the_schema_refuses(schema, world, api, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    admin = api(world.tokens["admin"])
    base = f"/repos/{world.org.login}/{world.public.name}"
    assert admin.post("/user/tokens", {"name": "t", "scopes": []}).status_code == 422
    assert admin.post(f"{base}/webhooks", {"url": "http://127.0.0.1:9/h", "events": []}).status_code == 422
    assert admin.post(f"{base}/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["nope"]}).status_code == 422
    url = prop(schema, "WebhookCreateRequest", "url")
    for bad in ("\x01http://127.0.0.1:9/h", "ftp://127.0.0.1:9/h", "http://127.0.0.1:9/a b", "http:///h"):
        assert not re.search(url["pattern"], bad), bad
        assert admin.post(f"{base}/webhooks", {"url": bad}).status_code == 422, bad
    assert re.search(url["pattern"], "HTTPS://127.0.0.1:9/h?x=1#f")
    assert admin.post(f"{base}/webhooks", {"url": "HTTPS://127.0.0.1:9/h?x=1#f"}).status_code == 201
    assert admin.get(f"{base}/issues", {"labels": ""}).status_code == 422
    assert admin.get(f"{base}/events", {"after_id": "-1"}).status_code == 422
    issue = admin.post(f"{base}/issues", {"title": "t"}).json()["number"]
    assert admin.patch(f"{base}/issues/{issue}", {"state": "open", "state_reason": "completed"}).status_code == 422
    comment = admin.post(f"{base}/issues/{issue}/comments", {"body": "b"}).json()["id"]
    assert admin.patch(f"{base}/issues/comments/{comment}", {}).status_code == 422
