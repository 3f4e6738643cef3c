import pytest

from pipelines.conditions import ConditionError, evaluate, parse_condition
from pipelines.definition import DefinitionError, parse


def errors_of(text):
    with pytest.raises(DefinitionError) as info:
        parse(text)
    return info.value.messages


def test_full_definition_parses_with_on_as_key():
    spec = parse("""
on: [push, pull_request]
env: {CI: true, LEVEL: 3}
variables: {TARGET: staging}
jobs:
  test:
    steps:
      - run: pytest -q
        name: tests
    timeout: 600
    env: {X: "1"}
  deploy:
    needs: test
    if: "ref == 'main' && (event == 'push' || vars.FORCE == 'yes')"
    steps: [{run: ./deploy.sh}]
""")
    assert spec.on == ["push", "pull_request"]
    assert spec.env == {"CI": "true", "LEVEL": "3"}
    assert spec.jobs["test"].timeout == 600 and spec.jobs["deploy"].timeout == 3600
    assert spec.jobs["deploy"].needs == ["test"]
    assert [j.name for j in spec.ordered_jobs()] == ["test", "deploy"]


def test_yaml_syntax_error_names_the_line():
    [message] = errors_of("jobs:\n  test: [unclosed\n")
    assert "invalid YAML" in message and "line" in message


def test_missing_run_names_the_step():
    assert "jobs.test.steps[0]: 'run' is required" in errors_of("jobs:\n  test:\n    steps:\n      - name: x\n")


@pytest.mark.parametrize("text, expected", [
    ("jobs: {t: {steps: [{run: a}]}}\nfoo: 1\n", "foo: unknown key"),
    ("jobs: {t: {steps: [{run: a}], retries: 2}}\n", "jobs.t: unknown key 'retries'"),
    ("jobs: {t: {steps: [{run: a, shell: sh}]}}\n", "jobs.t.steps[0]: unknown key 'shell'"),
])
def test_unknown_keys_are_refused(text, expected):
    assert any(m.startswith(expected) for m in errors_of(text)), errors_of(text)


def test_needs_cycle_and_unknown_needs():
    cycle = errors_of("jobs:\n  a: {needs: [b], steps: [{run: x}]}\n  b: {needs: [c], steps: [{run: x}]}\n  c: {needs: [a], steps: [{run: x}]}\n")
    assert any("cycle" in m for m in cycle)
    assert "jobs.a.needs: unknown job 'zz'" in errors_of("jobs:\n  a: {needs: zz, steps: [{run: x}]}\n")
    assert any("cannot need itself" in m for m in errors_of("jobs:\n  a: {needs: a, steps: [{run: x}]}\n"))


@pytest.mark.parametrize("text, expected", [
    ("jobs: {t: {steps: [{run: a}], timeout: '10'}}", "jobs.t.timeout"),
    ("jobs: {t: {steps: [{run: a}], timeout: 0}}", "jobs.t.timeout"),
    ("jobs: {t: {steps: []}}", "jobs.t.steps"),
    ("jobs: {t: {}}", "jobs.t: 'steps' is required"),
    ("jobs: {}", "jobs:"),
    ("on: deploy\njobs: {t: {steps: [{run: a}]}}", "on[0]: unknown event"),
    ("variables: {N: 1}\njobs: {t: {steps: [{run: a}]}}", "variables.N: must be a string"),
    ("jobs: {t: {steps: [{run: a}], if: 'ref = main'}}", "jobs.t.if:"),
    ("jobs: {t: {steps: [{run: a}], env: [1]}}", "jobs.t.env"),
    ("- a\n- b\n", "the top level must be a mapping"),
])
def test_bad_values(text, expected):
    messages = errors_of(text)
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize("condition, ctx, result", [
    ("ref == 'main'", {"ref": "main"}, True),
    ("ref != 'main'", {"ref": "main"}, False),
    ("event == \"push\" || ref == 'dev'", {"event": "api", "ref": "dev"}, True),
    ("!(ref == 'main') && event == 'api'", {"ref": "x"}, True),
    ("variables.DEPLOY == 'yes'", {"variables": {"DEPLOY": "yes"}}, True),
    ("vars.MISSING == ''", {}, True),
    ("true && !false", {}, True),
    ("'a' == 'a' && ref == 'b' || event == 'api'", {"ref": "c"}, True),  # && binds tighter than ||
])
def test_conditions(condition, ctx, result):
    kwargs = {"ref": "main", "event": "api", "variables": {}} | ctx
    assert evaluate(condition, **kwargs) is result


@pytest.mark.parametrize("bad", ["ref", "ref == ", "(ref == 'a'", "os.system('x') == 'a'", "ref == main",
                                 "__import__ == 'x'", "ref === 'a'", "ref == 'a' &&", "'a'"])
def test_bad_conditions_are_refused(bad):
    with pytest.raises(ConditionError):
        parse_condition(bad)


@pytest.mark.parametrize("text, expected", [
    # `$` matched before a trailing newline, so these names passed
    ('jobs: {"t\\n": {steps: [{run: a}]}}', "is not a valid job name"),
    ('env: {"A\\n": x}\njobs: {t: {steps: [{run: a}]}}', "is not a valid name"),
    ('variables: {"A\\n": x}\njobs: {t: {steps: [{run: a}]}}', "is not a valid name"),
    # YAML's "\0" writes a NUL, which PostgreSQL cannot store (a 500 at trigger time, or inside a push)
    ('jobs: {t: {steps: [{run: "a\\0"}]}}', "jobs.t.steps[0].run: must not contain a NUL character"),
    ('jobs: {t: {steps: [{run: a, name: "n\\0"}]}}', "jobs.t.steps[0].name: must not contain a NUL character"),
    ('jobs: {t: {steps: [{run: a}], if: "ref == \'\\0\'"}}', "jobs.t.if: must not contain a NUL character"),
    ('jobs: {t: {steps: [{run: a}], env: {A: "\\0"}}}', "jobs.t.env.A: must not contain a NUL character"),
    ('env: {A: "\\0"}\njobs: {t: {steps: [{run: a}]}}', "env.A: must not contain a NUL character"),
    ('variables: {A: "\\0"}\njobs: {t: {steps: [{run: a}]}}', "variables.A: must not contain a NUL character"),
    # PyYAML builds nested collections recursively: RecursionError, a 500
    ("jobs: " + "[" * 600 + "]" * 600, "nested too deeply"),
    ("jobs: {t: {steps: [{run: a}], env: " + "{a: " * 600 + "1" + "}" * 600 + "}}", "nested too deeply"),
])
def test_unusable_values_are_refused(text, expected):
    messages = errors_of(text)
    assert any(expected in m for m in messages), messages


def chain(count: int, *, reverse: bool, cycle: bool = False) -> str:
    """`count` jobs, each needing the one before (j0 needs the last one when `cycle`)."""
    lines = [f"  j{i}: {{needs: j{i - 1 if i else count - 1}, steps: [{{run: x}}]}}" if i or cycle
             else "  j0: {steps: [{run: x}]}" for i in range(count)]
    return "jobs:\n" + "\n".join(reversed(lines) if reverse else lines) + "\n"


def test_a_long_needs_chain_is_checked_without_recursion():
    """The cycle check recursed once per job in the chain: a file listing a long chain from its end
    raised RecursionError (a 500), and ordering it rescanned every job for each one."""
    spec = parse(chain(256, reverse=True))  # the longest chain a file may hold (MAX_JOBS)
    assert [j.name for j in spec.ordered_jobs()] == [f"j{i}" for i in range(256)]
    [message] = errors_of(chain(256, reverse=True, cycle=True))
    assert message.startswith("jobs: 'needs' form a cycle: j255 -> j254 -> ") and message.endswith(" -> j255")


def test_order_is_stable_file_order_among_equals():
    spec = parse("jobs:\n  d: {needs: [b, c], steps: [{run: x}]}\n  c: {steps: [{run: x}]}\n"
                 "  b: {needs: a, steps: [{run: x}]}\n  a: {steps: [{run: x}]}\n  e: {steps: [{run: x}]}\n")
    assert [j.name for j in spec.ordered_jobs()] == ["c", "a", "b", "d", "e"]


def test_at_most_256_jobs():
    def jobs(n):
        return "jobs:\n" + "".join(f"  j{i}:\n    steps: [{{run: 'true'}}]\n" for i in range(n))

    assert len(parse(jobs(256)).jobs) == 256
    assert errors_of(jobs(257)) == ["jobs: at most 256 jobs (this file has 257)"]
