"""Bounded loading of every JSON and YAML document Kizuna reads from a client or a repository.

One place decides how big a document may be before any of it is built in memory:

- **size** in bytes, checked first;
- **depth** of nesting, checked on the token stream before anything recursive runs (Python's
  `json` and PyYAML's composer recurse per level: ~1,000 levels raise RecursionError);
- **node count**: the number of values the document stands for *after* YAML aliases are expanded,
  computed on PyYAML's node graph (where an alias is a shared reference) before the Python objects
  are constructed — so a "billion laughs" alias bomb is refused in time proportional to its size,
  not to its expansion. A recursive alias (`&a [*a]`) is refused too;
- **integers** of more than 4,300 digits (Python's own conversion limit: converting is quadratic in
  the digits; narrower limits are the fields' business, as a schema-valid request may carry any integer
  in a property the server ignores) and the JSON non-standard constants `NaN`/`Infinity`;
- **Unicode**: a string holding an unpaired surrogate (`"\\ud800"`) cannot be stored or encoded.

Errors are `DocumentError` whose message is short and never quotes the document: a location (line
and column) and what was wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

MAX_MESSAGE = 200
# libyaml's parser when PyYAML was built with it (the wheels are): the same safe loading, about ten
# times less CPU than the pure-Python parser (a pipeline definition is parsed on every trigger and push).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_depth: int = 64
    max_nodes: int = 100_000
    max_int_digits: int = 4300


class DocumentError(ValueError):
    """A document refused by the bounds or by its syntax; `str()` is safe to show to the client."""

    def __init__(self, message: str):
        super().__init__(clip(message))


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(value, limit: int = 40, *, quote: bool = True) -> str:
    """A value for an error message: a string (cut to `limit` characters) or number quoted, anything
    else by its kind only. `quote=False` shows a short string as it is."""
    if not quote and isinstance(value, str) and len(value) <= limit and value.isprintable():
        return value
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return clip(repr(value), limit)
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"
    return {dict: "a mapping", list: "a list", tuple: "a list"}.get(type(value), type(value).__name__)


# --- JSON ---------------------------------------------------------------------------------------------
# Strings (with escapes) are skipped whole, so brackets inside them do not count.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _refuse_constant(name):
    raise DocumentError(f"{name} is not a JSON number")


def load_json(raw: bytes | str, limits: Limits):
    """Parse a JSON document within `limits`; raises DocumentError."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > limits.max_bytes:
        raise DocumentError(f"larger than {limits.max_bytes} bytes")
    depth = nodes = 0
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            nodes += 1
            if depth > limits.max_depth:
                raise DocumentError(f"nested too deeply (more than {limits.max_depth} levels)")
        elif token in (b"]", b"}"):
            depth -= 1
        elif token == b",":
            nodes += 1
        if nodes > limits.max_nodes:
            raise DocumentError(f"more than {limits.max_nodes} values")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start})") from None

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > limits.max_int_digits:
            raise DocumentError(f"an integer has more than {limits.max_int_digits} digits")
        return int(digits)

    def parse_float(text: str) -> float:
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise DocumentError("a number is out of range")
        return value

    try:
        data = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:  # unreachable after the depth scan; kept as a last line of defence
        raise DocumentError("nested too deeply") from None
    _check_strings(data, limits)
    return data


def _check_strings(data, limits: Limits) -> None:
    """Refuse unpaired surrogates anywhere (keys included): no database or encoder accepts them."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                raise DocumentError("a string holds an unpaired surrogate (not valid Unicode)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- YAML ---------------------------------------------------------------------------------------------
def load_yaml(text: bytes | str, limits: Limits):
    """`yaml.safe_load` within `limits`; raises DocumentError."""
    if isinstance(text, bytes):
        if len(text) > limits.max_bytes:
            raise DocumentError(f"larger than {limits.max_bytes} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"not valid UTF-8 (byte {exc.start})") from None
    elif len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise DocumentError(f"larger than {limits.max_bytes} bytes")
    try:
        # 1. The event stream (PyYAML's parser is a state machine, not recursive): depth and the
        #    number of written nodes, before the composer (which recurses per level) runs.
        depth = nodes = 0
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    raise DocumentError(f"nested too deeply (more than {limits.max_depth} levels){_at(event)}")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > limits.max_nodes:
                    raise DocumentError(f"more than {limits.max_nodes} values{_at(event)}")
        # 2. The node graph: aliases are shared references here, so its expanded size can be counted
        #    without expanding it.
        loader = SAFE_LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expansion(node, limits)
            # 3. Only now the Python objects.
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise DocumentError(f"invalid YAML{where}: {clip(problem, 80)}") from None
    except DocumentError:
        raise
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise DocumentError("a number is out of range") from None
    except RecursionError:  # unreachable after the depth check; a last line of defence
        raise DocumentError("nested too deeply") from None


def _at(event) -> str:
    mark = event.start_mark
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root, limits: Limits) -> None:
    """Expanded node count and depth of the graph, memoised per node (an iterative post-order walk):
    O(distinct nodes) work whatever the expansion, and a cycle (a recursive alias) is refused."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > limits.max_nodes:
                raise DocumentError(f"more than {limits.max_nodes} values once aliases are expanded{_at(node)}")
            if depth[key] > limits.max_depth:
                raise DocumentError(f"nested too deeply (more than {limits.max_depth} levels) once aliases are expanded{_at(node)}")
            continue
        if key in size:
            continue
        if key in on_path:
            raise DocumentError(f"an alias refers to a collection that contains it{_at(node)}")
        on_path.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in on_path:
                raise DocumentError(f"an alias refers to a collection that contains it{_at(kid)}")
            if id(kid) not in size:
                stack.append((kid, False))
