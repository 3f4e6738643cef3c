"""The SDKs' model types cannot drift from /api/v1/schema (docs/api.md §15).

Each SDK's types — Python (`kizuna_sdk.models`), TypeScript (`sdk/js/index.d.ts`), Go
(`sdk/go/*.go`) and Rust (`sdk/rust/src`, when present) — are read from their source and
compared, field for field, with the schema component they mirror: a field missing on either side
fails. Every SDK must define every type of CORE.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# SDK type -> the schema component it mirrors (the richest variant: the one with the secret token, the
# single-commit detail, the delivery detail).
MAP = {
    "Actor": "Actor",
    "User": "User",
    "Token": "NewToken",
    "Organization": "Organization",
    "Member": "Member",
    "Repository": "Repository",
    "Branch": "Branch",
    "Commit": "CommitDetail",
    "Content": "ContentsResponse",
    "Label": "Label",
    "Milestone": "Milestone",
    "Issue": "Issue",
    "Comment": "Comment",
    "PullRequest": "PullRequest",
    "MergeResult": "MergeResult",
    "Agent": "NewAgent",
    "Job": "Job",
    "Pipeline": "Pipeline",
    "Webhook": "Webhook",
    "Delivery": "DeliveryDetail",
    "Event": "Event",
    # nested types, compared where an SDK defines them
    "Owner": "Owner",
    "CommitRef": "CommitRef",
    "GitPerson": "GitPerson",
    "CommitFile": "CommitFile",
    "CommitStats": "CommitStats",
    "MilestoneBrief": "MilestoneBrief",
    "Ref": "Ref",
    "RepositorySummary": "RepositorySummary",
    "AgentToken": "AgentToken",
}
CORE = [
    "Actor", "User", "Token", "Organization", "Member", "Repository", "Branch", "Commit", "Content", "Label",
    "Milestone", "Issue", "Comment", "PullRequest", "MergeResult", "Agent", "Job", "Pipeline", "Webhook",
    "Delivery", "Event",
]


@pytest.fixture(scope="module")
def components(django_db_blocker) -> dict[str, set[str]]:
    with django_db_blocker.unblock():
        schema = Client().get("/api/v1/schema?format=json").json()
    return {name: set(body.get("properties", {})) for name, body in schema["components"]["schemas"].items()}


# -- readers: {type name: set of JSON field names} ---------------------------------------------------
def python_types() -> dict[str, set[str]]:
    from kizuna_sdk import models

    out = {}
    for name in MAP:
        cls = getattr(models, name, None)
        if cls is not None:
            fields: set[str] = set()
            for klass in reversed(cls.__mro__):
                fields |= set(getattr(klass, "__annotations__", {}))
            out[name] = fields - {"_data"}
    return out


def _block(source: str, start: int) -> str:
    """The text between the brace at `start` and its matching brace."""
    depth = 0
    for index in range(start, len(source)):
        if source[index] == "{":
            depth += 1
        elif source[index] == "}":
            depth -= 1
            if depth == 0:
                return source[start + 1 : index]
    raise AssertionError("unbalanced braces")


def typescript_types() -> dict[str, set[str]]:
    source = (ROOT / "sdk" / "js" / "index.d.ts").read_text()
    source = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.S)
    raw: dict[str, tuple[set[str], list[str]]] = {}
    for match in re.finditer(r"export interface (\w+)(?:\s+extends\s+([\w\s,]+))?\s*\{", source):
        body = _block(source, match.end() - 1)
        fields, depth, token = set(), 0, ""
        for char in body:  # keys at depth 0 only: `name?: type;` — nested object types are skipped
            if char in "{[(<":
                depth += 1
            elif char in "}])>":
                depth -= 1
            elif depth == 0 and char == ":":
                key = token.strip().rstrip("?").strip()
                if re.fullmatch(r"\w+", key):
                    fields.add(key)
                token = ""
                continue
            elif depth == 0 and char in ";\n":
                token = ""
                continue
            if depth == 0 and char not in "{[(<}])>":
                token += char
        parents = [p.strip() for p in (match.group(2) or "").split(",") if p.strip()]
        raw[match.group(1)] = (fields, parents)

    def resolve(name: str) -> set[str]:
        fields, parents = raw[name]
        return fields.union(*(resolve(p) for p in parents if p in raw))

    return {name: resolve(name) for name in raw if name in MAP}


def go_types() -> dict[str, set[str]]:
    out = {}
    # the types sit next to their services (repos.go, pulls.go, …); one package, one set of names
    for path in sorted((ROOT / "sdk" / "go").glob("*.go")):
        if path.name.endswith("_test.go"):
            continue
        source = path.read_text()
        for match in re.finditer(r"^type (\w+) struct \{", source, flags=re.M):
            if match.group(1) in MAP:
                body = _block(source, match.end() - 1)
                out[match.group(1)] = set(re.findall(r'json:"(\w+)', body))
    return out


def rust_types() -> dict[str, set[str]]:
    src = ROOT / "sdk" / "rust" / "src"
    out: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.rs")):
        source = path.read_text()
        for match in re.finditer(r"pub struct (\w+)\s*\{", source):
            if match.group(1) not in MAP:
                continue
            # a `#[serde(rename = "type")]` above `pub kind:` names the JSON field "type"
            names = set()
            pending = None
            for line in _block(source, match.end() - 1).splitlines():
                renamed = re.search(r'#\[serde\([^)]*rename\s*=\s*"(\w+)"', line)
                if renamed:
                    pending = renamed.group(1)
                    continue
                field = re.match(r"\s*pub\s+(?:r#)?(\w+)\s*:", line)
                if field:
                    names.add(pending or field.group(1))
                    pending = None
            out[match.group(1)] = names
    return out


LANGUAGES = {
    "python": python_types,
    "typescript": typescript_types,
    "go": go_types,
    "rust": rust_types,
}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_sdk_models_match_the_schema(language, components):
    if language == "rust" and not (ROOT / "sdk" / "rust" / "src").is_dir():
        pytest.skip("sdk/rust has not landed in this tree")
    types = LANGUAGES[language]()
    problems = [f"{language} has no type {name} (schema {MAP[name]})" for name in CORE if name not in types]
    for name, fields in sorted(types.items()):
        schema_fields = components[MAP[name]]
        missing = schema_fields - fields
        extra = fields - schema_fields
        if missing:
            problems.append(f"{language} {name} lacks {sorted(missing)} of schema {MAP[name]}")
        if extra:
            problems.append(f"{language} {name} has {sorted(extra)} that schema {MAP[name]} does not")
    assert not problems, "\n".join(problems)


def test_the_readers_see_fields():
    """A reader that finds nothing would make the comparison pass vacuously."""
    for language in ("python", "typescript", "go"):
        types = LANGUAGES[language]()
        assert {"id", "number", "title", "labels"} <= types["Issue"], (language, types.get("Issue"))
        assert "type" in types["Actor"], language
