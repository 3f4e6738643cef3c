"""The pipeline files the README and docs/pipelines.md show are real: each parses through
pipelines/definition.py, and their `if` conditions mean what the prose says (pipelines/conditions.py)."""

import re
from pathlib import Path

import pytest

from pipelines import conditions, definition

ROOT = Path(__file__).resolve().parents[2]


def yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(), flags=re.S)


def pipeline_blocks(path: Path) -> list[str]:
    """The ```yaml blocks that are pipeline files (they have `jobs:`)."""
    return [block for block in yaml_blocks(path) if re.search(r"^jobs:", block, flags=re.M)]


def test_readme_shows_a_complete_pipeline_file():
    blocks = pipeline_blocks(ROOT / "README.md")
    assert len(blocks) == 1, "the README shows one complete .kizuna/pipeline.yml"
    spec = definition.parse(blocks[0])
    assert spec.on == ["push"]
    assert [job.name for job in spec.ordered_jobs()] == ["check", "announce"]
    announce = spec.jobs["announce"]
    assert announce.needs == ["check"] and announce.timeout == 60
    assert spec.env == {"GREETING_FILE": "hello.txt"} and spec.variables == {"AUDIENCE": "world"}
    variables = spec.variables
    assert conditions.evaluate(announce.condition, ref="main", event="push", variables=variables)
    assert not conditions.evaluate(announce.condition, ref="greeting", event="push", variables=variables)
    assert not conditions.evaluate(announce.condition, ref="main", event="push", variables={"AUDIENCE": ""})


def test_docs_pipelines_example_parses():
    blocks = pipeline_blocks(ROOT / "docs" / "pipelines.md")
    assert blocks, "docs/pipelines.md shows a complete example"
    spec = definition.parse(blocks[0])
    assert spec.on == ["push", "pull_request"]
    assert [job.name for job in spec.ordered_jobs()] == ["lint", "test", "deploy"]
    deploy = spec.jobs["deploy"].condition
    variables = spec.variables
    assert conditions.evaluate(deploy, ref="main", event="push", variables=variables)
    assert not conditions.evaluate(deploy, ref="main", event="pull_request", variables=variables)
    assert not conditions.evaluate(deploy, ref="dev", event="api", variables=variables)


@pytest.mark.parametrize("condition", ["ref == 'main'", "event == 'push' && ref != 'main'",
                                       "!(vars.SKIP_SLOW == 'yes')"])
def test_docs_pipelines_if_examples_parse(condition):
    assert f"`{condition}`" in (ROOT / "docs" / "pipelines.md").read_text()
    conditions.parse_condition(condition)


def test_definition_docstring_and_docs_agree_on_the_keys():
    """Every key the loader accepts is documented in docs/pipelines.md's table."""
    text = (ROOT / "docs" / "pipelines.md").read_text()
    for key in sorted(definition.TOP_KEYS | definition.JOB_KEYS):
        assert f"| `{key}` |" in text, key
