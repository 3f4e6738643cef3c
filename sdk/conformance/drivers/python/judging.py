"""What a scenario step means, whatever the SDK: `${…}` substitution, patterns and `expect`
(sdk/conformance/README.md, Scenario format). The driver (driver.py) makes the calls."""

from __future__ import annotations

import json
import re
from typing import Any


class StepError(Exception):
    """The step cannot be expressed or judged (unknown call, argument or name)."""


WHOLE = re.compile(r"^\$\{([^}]+)\}$")
INNER = re.compile(r"\$\{([^}]+)\}")


def lookup(names: dict, ref: str) -> Any:
    head, *path = ref.split(".")
    if head not in names:
        raise StepError(f"unknown name ${{{ref}}}")
    value = names[head]
    for part in path:
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise StepError(f"${{{ref}}}: no {part!r} in {json.dumps(value)[:200]}")
    return value


def text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value)


def substitute(value: Any, names: dict) -> Any:
    if isinstance(value, str):
        whole = WHOLE.match(value)
        if whole:
            return lookup(names, whole.group(1))
        return INNER.sub(lambda m: text(lookup(names, m.group(1))), value)
    if isinstance(value, list):
        return [substitute(v, names) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, names) for k, v in value.items()}
    return value


def matches(pattern: Any, actual: Any) -> bool:
    if pattern == "$any":
        return True
    if pattern == "$nonnull":
        return actual is not None
    if isinstance(pattern, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(actual, list) and len(pattern) == len(actual) and all(matches(p, a) for p, a in zip(pattern, actual))
    if isinstance(pattern, bool) or isinstance(actual, bool):
        return type(pattern) is type(actual) and pattern == actual
    if isinstance(pattern, (int, float)) and isinstance(actual, (int, float)):
        return float(pattern) == float(actual)
    return type(pattern) is type(actual) and pattern == actual


def judge(expect: dict, ok: bool, value: Any) -> str | None:
    """None when the outcome meets `expect`, else why not."""
    known = {"error", "status", "code", "details", "retry_after_min", "result", "length", "length_min", "contains", "excludes", "unique", "increasing"}
    unknown = set(expect) - known
    if unknown:
        raise StepError(f"unknown expect keys {sorted(unknown)}")
    shown = json.dumps(value)[:600]
    if "error" in expect:
        if ok:
            return f"expected error {expect['error']}, got result {shown}"
        if value["class"] != expect["error"]:
            return f"expected error {expect['error']}, got {shown}"
        for key in ("status", "code"):
            if key in expect and value[key] != expect[key]:
                return f"expected {key} {expect[key]!r}, got {shown}"
        if "details" in expect and not matches(expect["details"], value["details"]):
            return f"details do not match {json.dumps(expect['details'])}: {shown}"
        if "retry_after_min" in expect and (value["retry_after"] is None or value["retry_after"] < expect["retry_after_min"]):
            return f"expected retry_after ≥ {expect['retry_after_min']}, got {shown}"
    elif not ok:
        return f"expected success, got error {shown}"
    if not ok:
        return None
    if "result" in expect and not matches(expect["result"], value):
        return f"result does not match {json.dumps(expect['result'])[:400]}: {shown}"
    listy = {"length", "length_min", "contains", "excludes", "unique", "increasing"} & set(expect)
    if listy and not isinstance(value, list):
        return f"expected an array, got {shown}"
    if "length" in expect and len(value) != expect["length"]:
        return f"expected {expect['length']} items, got {len(value)}: {shown}"
    if "length_min" in expect and len(value) < expect["length_min"]:
        return f"expected at least {expect['length_min']} items, got {len(value)}: {shown}"
    for pattern in expect.get("contains", []):
        if not any(matches(pattern, item) for item in value):
            return f"no item matches {json.dumps(pattern)}: {shown}"
    for pattern in expect.get("excludes", []):
        if any(matches(pattern, item) for item in value):
            return f"an item matches {json.dumps(pattern)}: {shown}"
    if "unique" in expect:
        seen = [json.dumps(item.get(expect["unique"]) if isinstance(item, dict) else None) for item in value]
        if len(set(seen)) != len(seen):
            return f"repeated {expect['unique']}: {shown}"
    if "increasing" in expect:
        keys = [item.get(expect["increasing"]) if isinstance(item, dict) else None for item in value]
        if any(a is None or b is None or not a < b for a, b in zip(keys, keys[1:])):
            return f"{expect['increasing']} does not strictly increase: {keys}"
    return None
