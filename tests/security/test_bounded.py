"""Documents from clients and repositories are refused by their bounds before they are built
(kizuna.bounded): YAML alias bombs, deep nesting, huge numbers, unpaired surrogates; error messages are
short and never quote the document (issue 17)."""

import json
import tracemalloc

import pytest

from kizuna import bounded
from kizuna.accounts.actors import actor_for_user
from pipelines import definition, services
from pipelines.models import Pipeline

from ..api.test_errors import assert_envelope
from ..pipelines.conftest import commit_files
from ..pipelines.test_api import trigger

MB = 1024 * 1024


def alias_bomb(levels: int, width: int = 9) -> str:
    """The issue's 481-byte file: each level a list of `width` aliases to the previous one."""
    lines = ["a0: &a0 [" + ",".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    lines.append(f"on: [*a{levels - 1}]")
    lines.append("jobs: {t: {steps: [{run: x}]}}")
    return "\n".join(lines) + "\n"


def peak_while(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("levels", [5, 7])
def test_alias_bomb_is_refused_with_a_short_message(levels):
    with pytest.raises(definition.DefinitionError) as info:
        definition.parse(alias_bomb(levels))
    assert sum(len(m) for m in info.value.messages) < 2000, "the message echoes the expanded document"


def test_alias_bomb_is_refused_before_expansion():
    """Seven levels (9**7 = 4.8 million values) are refused on the node graph: the Python objects are
    never built, so the work stays that of a 500-byte file."""
    def load():
        with pytest.raises(bounded.DocumentError, match="once aliases are expanded"):
            bounded.load_yaml(alias_bomb(7), definition.LIMITS)
    assert peak_while(load) < 5 * MB


def test_recursive_alias_and_deep_nesting_are_refused():
    with pytest.raises(bounded.DocumentError, match="contains it"):
        bounded.load_yaml("a: &a [*a]\n", definition.LIMITS)
    with pytest.raises(bounded.DocumentError, match="nested too deeply"):
        bounded.load_yaml("[" * 100 + "]" * 100, definition.LIMITS)
    # Far deeper: libyaml's scanner (bounded.SAFE_LOADER) may refuse it first, past 1,000 levels.
    with pytest.raises(bounded.DocumentError, match="nested too deeply|maximum nesting depth"):
        bounded.load_yaml("[" * 100_000, definition.LIMITS)
    with pytest.raises(bounded.DocumentError, match="out of range"):
        bounded.load_yaml("a: " + "9" * 10_000, definition.LIMITS)


def test_error_messages_never_quote_a_long_value():
    long_name = "x" * 5000
    messages = []
    for text in (f"{long_name}: 1\njobs: {{t: {{steps: [{{run: a}}]}}}}\n",
                 f"on: ['{long_name}']\njobs: {{t: {{steps: [{{run: a}}]}}}}\n",
                 f"a: *{long_name}\n"):
        with pytest.raises(definition.DefinitionError) as info:
            definition.parse(text)
        messages += info.value.messages
    assert all(len(m) < 300 and long_name not in m for m in messages), messages


def test_many_problems_are_listed_up_to_a_bound():
    text = "jobs:\n" + "".join(f"  j{i}: {{steps: [{{run: x}}], nope: 1}}\n" for i in range(200))
    with pytest.raises(definition.DefinitionError) as info:
        definition.parse(text)
    assert len(info.value.messages) == definition.MAX_ERRORS + 1
    assert info.value.messages[-1].startswith("… and 180 more")


@pytest.mark.django_db
def test_pushing_an_alias_bomb_starts_nothing_and_stays_small(world):
    repo = world.private
    sha = commit_files(repo, {".kizuna/pipeline.yml": alias_bomb(7)})
    peak = peak_while(lambda: services.on_push_hook(repo=repo, ref="refs/heads/main", before=services.ZERO_SHA,
                                                    after=sha, actor=actor_for_user(world.writer)))
    assert not Pipeline.objects.exists()
    assert peak < 50 * MB


@pytest.mark.django_db
def test_triggering_on_an_alias_bomb_is_a_small_422(api, world):
    commit_files(world.private, {".kizuna/pipeline.yml": alias_bomb(7)})
    response = trigger(api, world)
    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert len(response.content) < 4096
    assert any("once aliases are expanded" in m for m in error["details"]["definition"])


# --- JSON request bodies -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    "[" * 1000 + "]" * 1000,
    '{"title": ' + "[" * 1000 + "]" * 1000 + "}",
    '{"title": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
])
def test_deeply_nested_json_is_400(api, world, body):
    response = api(world.tokens["writer"]).client.post(
        "/api/v1/repos/w-org/priv/issues", body, content_type="application/json")
    error = assert_envelope(response, 400, "BAD_REQUEST")
    assert "nested too deeply" in error["message"] + json.dumps(error.get("details"))


@pytest.mark.django_db
@pytest.mark.parametrize("body, problem", [
    ('{"title": "t", "milestone": ' + "9" * 5000 + "}", "digits"),
    ('{"title": "t", "milestone": 1e999}', "out of range"),
    ('{"title": "t", "milestone": NaN}', "not a JSON number"),
    ('{"title": "\\ud800"}', "surrogate"),
    ('{"title": "t", "labels": [' + ",".join(["1"] * 200_000) + "]}", "values"),
])
def test_hostile_json_values_are_400(api, world, body, problem):
    response = api(world.tokens["writer"]).client.post(
        "/api/v1/repos/w-org/priv/issues", body, content_type="application/json")
    error = assert_envelope(response, 400, "BAD_REQUEST")
    assert problem in error["message"] + json.dumps(error.get("details")), error
    assert len(response.content) < 2048


# --- the MCP endpoint: the same bounds before the protocol layer ------------------------------------------
from ..mcp.conftest import mcp_url  # noqa: E402,F401  (fixtures)
from ..repos.conftest import asgi_git_server  # noqa: E402,F401


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body, problem", [
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}",
     "nested too deeply"),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": ' + b"9" * 5000 + b"}}", "digits"),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": "\\ud800"}}', "surrogate"),
])
def test_mcp_refuses_hostile_json_before_the_protocol(mcp_url, make_user, make_token, body, problem):  # noqa: F811
    import httpx

    response = httpx.post(mcp_url, content=body, timeout=60, headers={
        "Authorization": f"Bearer {make_token(make_user())}", "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream"})
    assert response.status_code == 400, response.text
    assert problem in response.json()["error"]["message"]
    assert len(response.content) < 1000
