"""No access decision outside kizuna/policy/: role comparisons, staff or superuser flags, trust-level
comparisons and scope membership tests appear nowhere else in the server's code.

Strings and comments are not code: `list_display = ("is_staff",)` in an admin or a serializer's
`source="is_staff"` shows a field, it decides nothing.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_CODE = ["kizuna", "repos", "issues", "pulls", "agents", "pipelines"]
POLICY = ROOT / "kizuna" / "policy"

DECISIONS = {
    "staff or superuser flag": re.compile(r"\.is_(staff|superuser)\b(?!\s*\()"),  # policy.is_staff(…) asks
    "trust level comparison": re.compile(r"\.trust_level\s*(<=|>=|<|>)|(<=|>=|<|>)\s*[\w.]*\.trust_level\b"),
    "role rank": re.compile(r"\b(role_at_least|ROLE_RANK)\b"),
    "role comparison": re.compile(r"(==|!=)\s*Role\.|\bRole\.\w+\s*(==|!=)"),
    "scope membership": re.compile(r"\bin\s+[\w.()]*\.scopes\b"),
}

# Lines that match a pattern but decide no access, with the reason.
ALLOWED = {
    ("kizuna/accounts/services.py", "if membership.role == Role.ADMIN and _admin_count(org) <= 1:"):
        "the last-admin invariant: an organisation keeps an admin; it grants nothing",
}


def code_lines(source: str) -> dict[int, str]:
    """Each line's code with strings and comments blanked out."""
    lines: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE):
            continue
        if tok.type == getattr(tokenize, "FSTRING_START", None):
            continue
        lines.setdefault(tok.start[0], []).append(tok.string)
    return {n: " ".join(parts).replace(" . ", ".").replace(" .", ".").replace(". ", ".") for n, parts in lines.items()}


def decisions_in(path: Path, source: str) -> list[str]:
    found = []
    raw = source.splitlines()
    for number, code in code_lines(source).items():
        for name, pattern in DECISIONS.items():
            if pattern.search(code):
                rel = path.relative_to(ROOT).as_posix() if path.is_absolute() else path.as_posix()
                if (rel, raw[number - 1].strip()) in ALLOWED:
                    continue
                found.append(f"{rel}:{number}: {name}: {raw[number - 1].strip()}")
    return found


def server_files():
    for top in SERVER_CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if POLICY in path.parents or "migrations" in path.parts:
                continue
            yield path


def test_no_access_decision_outside_the_policy_package():
    found = [hit for path in server_files() for hit in decisions_in(path, path.read_text())]
    assert found == [], "access decided outside kizuna/policy/:\n" + "\n".join(found)


@pytest.mark.parametrize("snippet", [
    "if request.user.is_staff:\n    pass\n",
    "ok = user.is_superuser or x\n",
    "if agent.trust_level < 3:\n    pass\n",
    "if 2 <= principal.trust_level:\n    pass\n",
    "if membership.role != Role.ADMIN:\n    pass\n",
    "ok = role_at_least(role, 'write')\n",
    "if 'write' not in token.scopes:\n    pass\n",
])
def test_the_scanner_sees_each_kind_of_decision(snippet):
    assert decisions_in(Path("example.py"), snippet)


@pytest.mark.parametrize("snippet", [
    'list_display = ("username", "is_staff")\n',
    'site_admin = serializers.BooleanField(source="is_staff")\n',
    "# only staff (is_staff) may do this\n",
    "ok = policy.is_staff(request.user)\n",
    "if not 0 <= trust_level <= 4:\n    pass\n",
])
def test_strings_comments_and_validation_are_not_decisions(snippet):
    assert decisions_in(Path("example.py"), snippet) == []
