"""`.kizuna/pipeline.yml`: safe loading and validation against a small schema.

Schema (unknown keys are refused at every level)::

    on: push | pull_request | [push, pull_request]        # optional automatic triggers
    env: {NAME: "value"}                                   # optional, for every job
    variables: {NAME: "value"}                             # optional defaults; API variables override
    jobs:                                                  # required, 1-256 jobs
      <name>:                                              # 1-100 of A-Z a-z 0-9 _ -
        steps:                                             # required, at least one
          - run: "shell command"                           # required
            name: "label"                                  # optional
        needs: [<job>, …] | <job>                          # optional; must form a DAG
        if: "ref == 'main' && event != 'pull_request'"     # optional, see pipelines/conditions.py
        env: {NAME: "value"}                               # optional; scalars are turned into strings
        timeout: 600                                       # optional seconds, 1-86400, default 3600

An `if` is parsed here, so a file with a malformed one is refused; pipelines/conditions.py holds the
grammar and evaluates it when the job's needs have settled.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

from kizuna import bounded

from .conditions import ConditionError, parse_condition

PATH = ".kizuna/pipeline.yml"
MAX_BYTES = 256 * 1024
DEFAULT_TIMEOUT = 3600
MAX_TIMEOUT = 86400
# Every trigger and every matching push writes one row per job (as GitHub Actions caps a matrix at 256).
MAX_JOBS = 256
# Size, nesting, and values after alias expansion, checked before the document is built (kizuna.bounded).
# 256 jobs of a few steps with env maps fit in a few thousand values; 100,000 leaves room for long lists.
LIMITS = bounded.Limits(max_bytes=MAX_BYTES, max_depth=32, max_nodes=100_000)
# A file can be wrong everywhere: the answer lists the first problems, not one per line of the file.
MAX_ERRORS = 20
EVENTS = ("push", "pull_request")
# \Z, not $: `$` also matches before a trailing newline, which would let "NAME\n" through.
JOB_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}\Z")

TOP_KEYS = {"on", "env", "variables", "jobs"}
JOB_KEYS = {"steps", "needs", "if", "env", "timeout"}
STEP_KEYS = {"run", "name"}


class DefinitionError(Exception):
    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass
class JobSpec:
    name: str
    steps: list[dict]
    needs: list[str] = field(default_factory=list)
    condition: str = ""
    env: dict[str, str] = field(default_factory=dict)
    timeout: int = DEFAULT_TIMEOUT


@dataclass
class Definition:
    on: list[str]
    env: dict[str, str]
    variables: dict[str, str]
    jobs: dict[str, JobSpec]

    def ordered_jobs(self) -> list[JobSpec]:
        """Jobs in a topological order (stable: file order among equals).

        Kahn's algorithm with the file position as priority: each step takes the earliest job in the
        file whose needs are all placed, in O(jobs + needs) rather than a rescan per job.
        """
        names = list(self.jobs)
        position = {name: i for i, name in enumerate(names)}
        waiting = {name: len(spec.needs) for name, spec in self.jobs.items()}
        dependents: dict[str, list[str]] = {name: [] for name in names}
        for name, spec in self.jobs.items():
            for need in spec.needs:
                dependents[need].append(name)
        ready = [position[name] for name in names if not waiting[name]]
        heapq.heapify(ready)
        ordered = []
        while ready:
            name = names[heapq.heappop(ready)]
            ordered.append(self.jobs[name])
            for dependent in dependents[name]:
                waiting[dependent] -= 1
                if not waiting[dependent]:
                    heapq.heappush(ready, position[dependent])
        return ordered


# --- loading and validation --------------------------------------------------------------------------
def _type_name(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _has_nul(text: str, where: str, errors: list[str]) -> bool:
    """A NUL character can be neither stored (PostgreSQL text and jsonb refuse U+0000) nor passed to a
    process (argv and the environment are C strings): report it, as YAML's "\\0" escape can write one."""
    if "\x00" not in text:
        return False
    errors.append(f"{where}: must not contain a NUL character")
    return True


def _string_map(value, where: str, errors: list[str], *, strict: bool) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: must be a mapping of NAME: \"value\", not {_type_name(value)}")
        return {}
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not ENV_NAME_RE.match(key):
            errors.append(f"{where}: {bounded.describe(key)} is not a valid name (letters, digits and _, not starting with a digit)")
            continue
        if isinstance(item, str):
            if _has_nul(item, f"{where}.{key}", errors):
                continue
            out[key] = item
        elif not strict and isinstance(item, bool):
            out[key] = "true" if item else "false"
        elif not strict and isinstance(item, int | float):
            out[key] = str(item)
        else:
            errors.append(f"{where}.{key}: must be a string, not {_type_name(item)}")
    return out


def parse(text: bytes | str) -> Definition:
    """Load and validate a definition; raises DefinitionError listing every problem found."""
    try:
        data = bounded.load_yaml(text, LIMITS)
    except bounded.DocumentError as exc:
        raise DefinitionError([f"{PATH}: {exc}"]) from None
    if not isinstance(data, dict):
        raise DefinitionError([f"{PATH}: the top level must be a mapping, not {_type_name(data)}"])
    # YAML 1.1 reads a bare `on` key as the boolean true.
    if True in data and "on" not in data:
        data["on"] = data.pop(True)
    errors: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            errors.append(f"{bounded.describe(key, quote=False)}: unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")

    on = data.get("on")
    events: list[str] = []
    if on is not None:
        items = [on] if isinstance(on, str) else on
        if not isinstance(items, list):
            errors.append(f"on: must be an event name or a list of them, not {_type_name(on)}")
        else:
            for i, item in enumerate(items):
                if item not in EVENTS:
                    errors.append(f"on[{i}]: unknown event {bounded.describe(item)} (allowed: {', '.join(EVENTS)})")
                elif item not in events:
                    events.append(item)

    env = _string_map(data.get("env"), "env", errors, strict=False)
    variables = _string_map(data.get("variables"), "variables", errors, strict=True)

    jobs_raw = data.get("jobs")
    jobs: dict[str, JobSpec] = {}
    if jobs_raw is None:
        errors.append("jobs: is required")
    elif not isinstance(jobs_raw, dict) or not jobs_raw:
        errors.append("jobs: must be a mapping with at least one job")
    elif len(jobs_raw) > MAX_JOBS:
        errors.append(f"jobs: at most {MAX_JOBS} jobs (this file has {len(jobs_raw)})")
    else:
        for name, raw in jobs_raw.items():
            spec = _job(name, raw, errors)
            if spec is not None:
                jobs[spec.name] = spec
    if not errors:
        _check_dag(jobs, errors)
    if errors:
        raise DefinitionError(errors[:MAX_ERRORS] + ([f"… and {len(errors) - MAX_ERRORS} more problems"] if len(errors) > MAX_ERRORS else []))
    return Definition(on=events, env=env, variables=variables, jobs=jobs)


def _job(name, raw, errors: list[str]) -> JobSpec | None:
    if not isinstance(name, str) or not JOB_NAME_RE.match(name):
        errors.append(f"jobs: {bounded.describe(name)} is not a valid job name (1-100 of A-Z a-z 0-9 _ -)")
        return None
    where = f"jobs.{name}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a mapping, not {_type_name(raw)}")
        return None
    for key in raw:
        if key not in JOB_KEYS:
            errors.append(f"{where}: unknown key {bounded.describe(key)} (allowed: {', '.join(sorted(JOB_KEYS))})")
    steps: list[dict] = []
    raw_steps = raw.get("steps")
    if raw_steps is None:
        errors.append(f"{where}: 'steps' is required")
    elif not isinstance(raw_steps, list) or not raw_steps:
        errors.append(f"{where}.steps: must be a list with at least one step")
    else:
        for i, step in enumerate(raw_steps):
            at = f"{where}.steps[{i}]"
            if not isinstance(step, dict):
                errors.append(f"{at}: must be a mapping with 'run', not {_type_name(step)}")
                continue
            for key in step:
                if key not in STEP_KEYS:
                    errors.append(f"{at}: unknown key {bounded.describe(key)} (allowed: {', '.join(sorted(STEP_KEYS))})")
            if "run" not in step:
                errors.append(f"{at}: 'run' is required")
            elif not isinstance(step["run"], str) or not step["run"].strip():
                errors.append(f"{at}.run: must be a non-empty string")
            else:
                _has_nul(step["run"], f"{at}.run", errors)
            if "name" in step and not isinstance(step["name"], str):
                errors.append(f"{at}.name: must be a string")
            elif "name" in step:
                _has_nul(step["name"], f"{at}.name", errors)
            steps.append({"run": step.get("run"), **({"name": step["name"]} if "name" in step else {})})
    needs_raw = raw.get("needs", [])
    needs: list[str] = []
    if isinstance(needs_raw, str):
        needs_raw = [needs_raw]
    if not isinstance(needs_raw, list) or not all(isinstance(n, str) for n in needs_raw):
        errors.append(f"{where}.needs: must be a job name or a list of job names")
    else:
        needs = list(dict.fromkeys(needs_raw))
    condition = raw.get("if", "")
    if condition is None:
        condition = ""
    if not isinstance(condition, str):
        errors.append(f"{where}.if: must be a string, not {_type_name(condition)}")
        condition = ""
    elif _has_nul(condition, f"{where}.if", errors):
        condition = ""
    elif condition.strip():
        try:
            parse_condition(condition)
        except ConditionError as exc:
            errors.append(f"{where}.if: {exc}")
    env = _string_map(raw.get("env"), f"{where}.env", errors, strict=False)
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        errors.append(f"{where}.timeout: must be an integer number of seconds between 1 and {MAX_TIMEOUT}")
        timeout = DEFAULT_TIMEOUT
    return JobSpec(name=name, steps=steps, needs=needs, condition=condition.strip(), env=env, timeout=timeout)


def _check_dag(jobs: dict[str, JobSpec], errors: list[str]) -> None:
    for spec in jobs.values():
        for need in spec.needs:
            if need not in jobs:
                errors.append(f"jobs.{spec.name}.needs: unknown job {bounded.describe(need)}")
            elif need == spec.name:
                errors.append(f"jobs.{spec.name}.needs: a job cannot need itself")
    if errors:
        return
    # Depth-first search with an explicit stack: a chain of thousands of `needs` (a 256 KiB file holds
    # several thousand jobs) must not exhaust Python's recursion limit.
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in jobs:
        if root in state:
            continue
        state[root] = 1
        path, pending = [root], [iter(jobs[root].needs)]
        while pending:
            need = next(pending[-1], None)
            if need is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(need) == 1:
                cycle = path[path.index(need):] + [need]
                errors.append(f"jobs: 'needs' form a cycle: {' -> '.join(cycle)}")
                return
            elif need not in state:
                state[need] = 1
                path.append(need)
                pending.append(iter(jobs[need].needs))
