"""`/mcp` driven by the official MCP client over HTTP: the tools of docs/mcp.md, answering what the
REST API answers, refused where the REST API refuses the same agent."""

import asyncio
import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from kizuna.events.models import Event

from .conftest import commit_files

pytestmark = pytest.mark.django_db(transaction=True)

TOOLS = {
    "whoami", "list_repositories", "get_repository", "list_issues", "get_issue", "create_issue",
    "comment_on_issue", "list_pull_requests", "get_pull_request", "create_pull_request", "merge_pull_request",
    "get_file", "list_commits", "trigger_pipeline", "get_pipeline", "get_job_log",
}
PIPELINE = "jobs:\n  test:\n    steps:\n      - run: echo hi\n"


def session_run(url, token, calls):
    """Open a session as `token`, run `calls(session)` and return its result."""

    async def main():
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await calls(session)

    return asyncio.run(main())


@pytest.fixture
def forge(world, make_agent):
    import pygit2

    from repos import git as repo_git

    sha = commit_files(world.private, {"README.md": "hello\n", ".kizuna/pipeline.yml": PIPELINE})
    pygit2.Repository(str(repo_git.repo_path(world.private.pk))).references.create("refs/heads/feature", sha)
    commit_files(world.private, {"feature.txt": "f\n"}, branch="feature")
    world.agent, world.agent_token = make_agent(world.writer, trust_level=2)
    world.low_agent, world.low_token = make_agent(world.writer, trust_level=1)
    return world


def test_no_token_is_401_with_www_authenticate(mcp_url):
    response = httpx.post(mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          headers={"X-Request-Id": "trace-42"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "trace-42" == response.json()["error"]["request_id"]
    assert response.headers["www-authenticate"] == 'Bearer realm="kizuna"'
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    bad = httpx.post(mcp_url, json={}, headers={"Authorization": "Bearer kzp_nope"})
    assert bad.status_code == 401


def test_an_agent_works_through_the_tools(mcp_url, forge):
    w = forge

    async def calls(session):
        out = {"tools": {t.name for t in (await session.list_tools()).tools}}
        out["whoami"] = await session.call_tool("whoami", {})
        out["issue"] = await session.call_tool("create_issue", {"org": "w-org", "repo": "priv", "title": "From MCP"})
        number = out["issue"].structuredContent["number"]
        out["comment"] = await session.call_tool("comment_on_issue", {"org": "w-org", "repo": "priv",
                                                                      "number": number, "body": "a comment"})
        out["issues"] = await session.call_tool("list_issues", {"org": "w-org", "repo": "priv", "state": "open",
                                                                "per_page": 1})
        out["pr"] = await session.call_tool("create_pull_request", {"org": "w-org", "repo": "priv", "title": "Draft",
                                                                     "head": "feature", "draft": True})
        out["file"] = await session.call_tool("get_file", {"org": "w-org", "repo": "priv", "path": "README.md"})
        out["commits"] = await session.call_tool("list_commits", {"org": "w-org", "repo": "priv", "sha": "feature"})
        out["pipeline"] = await session.call_tool("trigger_pipeline", {"org": "w-org", "repo": "priv"})
        pipeline = out["pipeline"].structuredContent
        out["pipeline_get"] = await session.call_tool("get_pipeline", {"org": "w-org", "repo": "priv",
                                                                       "id": pipeline["id"]})
        out["log"] = await session.call_tool("get_job_log", {"org": "w-org", "repo": "priv", "id": pipeline["id"],
                                                             "job_id": pipeline["jobs"][0]["id"]})
        return out

    out = session_run(mcp_url, w.agent_token, calls)
    assert out["tools"] == TOOLS
    assert out["whoami"].structuredContent["login"] == w.agent.name
    issue = out["issue"]
    assert not issue.isError and issue.structuredContent["title"] == "From MCP"
    assert issue.structuredContent["labels"] == []
    assert not out["comment"].isError and out["comment"].structuredContent["body"] == "a comment"
    listing = out["issues"].structuredContent
    assert len(listing["items"]) == 1 and listing["next_page"] is None
    pr = out["pr"].structuredContent
    assert not out["pr"].isError and pr["draft"] is True and pr["head"]["ref"] == "feature"
    assert out["file"].structuredContent["path"] == "README.md"
    assert len(out["commits"].structuredContent["items"]) == 2
    assert out["pipeline_get"].structuredContent["status"] == "pending"
    assert out["log"].structuredContent == {"text": ""}
    # Recorded like the REST call: the agent as actor, its operator as on_behalf_of.
    opened = Event.objects.get(type="issue.opened", payload__issue__title="From MCP")
    assert opened.actor.agent_id == w.agent.pk and opened.on_behalf_of.user_id == w.writer.pk


def test_refusals_carry_the_rest_envelope(mcp_url, forge, make_org, make_repo, make_user):
    w = forge
    make_repo(make_org("elsewhere"), "secret", visibility="private")

    async def calls(session):
        pr = await session.call_tool("create_pull_request", {"org": "w-org", "repo": "priv", "title": "Draft",
                                                             "head": "feature", "draft": True})
        number = pr.structuredContent["number"]
        sha = pr.structuredContent["head"]["sha"]
        return {
            "merge": await session.call_tool("merge_pull_request", {"org": "w-org", "repo": "priv", "number": number,
                                                                    "sha": sha}),
            "hidden": await session.call_tool("get_repository", {"org": "elsewhere", "repo": "secret"}),
            "ready_pr": await session.call_tool("create_pull_request", {"org": "w-org", "repo": "priv",
                                                                         "title": "Ready", "head": "feature"}),
            # Labels in an issue's create body need TRIAGE (trust 3), as on the REST API.
            "labels": await session.call_tool("create_issue", {"org": "w-org", "repo": "priv", "title": "t",
                                                                "labels": ["bug"]}),
        }

    out = session_run(mcp_url, w.low_token, calls)
    merge = out["merge"]
    assert merge.isError
    assert merge.structuredContent["error"]["code"] == "FORBIDDEN"
    assert merge.structuredContent["error"]["details"]["required_trust_level"] == 4  # into the default branch
    hidden = out["hidden"]
    assert hidden.isError and hidden.structuredContent["error"]["code"] == "NOT_FOUND"
    assert out["ready_pr"].isError and out["ready_pr"].structuredContent["error"]["details"]["required_trust_level"] == 2
    assert out["labels"].isError and out["labels"].structuredContent["error"]["details"]["required_trust_level"] == 3


def test_bad_input_is_a_tool_error_never_a_500(mcp_url, forge):
    async def calls(session):
        return {
            "unknown": await session.call_tool("drop_database", {}),
            "types": await session.call_tool("get_issue", {"org": "w-org", "repo": "priv", "number": "one"}),
            "missing": await session.call_tool("create_issue", {"org": "w-org", "repo": "priv"}),
            "extra": await session.call_tool("whoami", {"sudo": True}),
            "huge": await session.call_tool("create_issue", {"org": "w-org", "repo": "priv", "title": "x" * 300_000}),
        }

    out = session_run(mcp_url, forge.agent_token, calls)
    for name, result in out.items():
        assert result.isError, name
        assert result.structuredContent["error"]["code"] in ("NOT_FOUND", "VALIDATION_ERROR"), name
        assert len(result.content[0].text) < 2000, name  # the argument is never echoed
    oversize = httpx.post(mcp_url, content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                          headers={"Authorization": f"Bearer {forge.agent_token}", "Content-Type": "application/json"})
    assert oversize.status_code == 413 and oversize.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    # The REST API's 413 details, to the letter.
    assert oversize.json()["error"]["details"] == {"limit_bytes": 1024 * 1024}


def test_each_tool_call_counts_against_the_rate_limit(mcp_url, forge, settings):
    settings.KIZUNA_RATE_LIMIT_AUTHENTICATED = 3

    async def calls(session):
        return [await session.call_tool("whoami", {}) for _ in range(4)]

    results = session_run(mcp_url, forge.agent_token, calls)
    assert [r.isError for r in results] == [False, False, False, True]
    assert results[3].structuredContent["error"]["code"] == "RATE_LIMITED"
    assert json.loads(results[3].content[0].text)["error"]["code"] == "RATE_LIMITED"


def test_a_protected_base_refuses_an_agents_merge_with_the_unmet_rules(mcp_url, forge, make_agent):
    """Branch protection binds the MCP door too: the tool answers the REST refusal (docs/api.md §16)."""
    from kizuna.accounts.actors import actor_for_user
    from pulls import services as pulls

    w = forge
    pulls.protection_set(repo=w.private, branch="main", actor=actor_for_user(w.admin),
                         required_approving_review_count=1, agent_approval_min_trust=4)
    _, token = make_agent(w.admin, trust_level=4)

    async def calls(session):
        pr = await session.call_tool("create_pull_request", {"org": "w-org", "repo": "priv", "title": "Agent work",
                                                             "head": "feature"})
        return pr, await session.call_tool("merge_pull_request", {
            "org": "w-org", "repo": "priv", "number": pr.structuredContent["number"],
            "sha": pr.structuredContent["head"]["sha"]})

    pr, merge = session_run(mcp_url, token, calls)
    assert pr.structuredContent["mergeable_state"] == "blocked"
    assert merge.isError and merge.structuredContent["error"]["code"] == "NOT_MERGEABLE"
    assert merge.structuredContent["error"]["details"]["unmet"] == [
        {"rule": "required_approving_review_count", "required": 1, "actual": 0}]
