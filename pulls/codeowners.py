"""CODEOWNERS (docs/api.md §16): GitHub's syntax — a gitignore-style pattern, then `@login`s; the last
matching line wins. The file is read at the pull request's base, from the first of CODEOWNERS_PATHS
that exists. Reading is bounded (MAX_BYTES, MAX_RULES); a line that cannot be used is skipped and
reported (`{path, line, message}`), never an error of the request.

Patterns are translated by `pathspec` (gitignore semantics), with GitHub's one difference: a pattern
whose last segment is a wildcard (`docs/*`) matches files in that directory, not deeper. The file
comes from the repository, so from anyone who can push: its regular expressions run on RE2, whose
matching time is linear in the path (Python's `re` backtracks — `*a*a*a*a*a*ab` against a 100-character
name took seconds per file).
"""

import re
from dataclasses import dataclass, field

import re2
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from kizuna.accounts.models import LOGIN_RE

CODEOWNERS_PATHS = ("CODEOWNERS", ".kizuna/CODEOWNERS", "docs/CODEOWNERS")
MAX_BYTES = 128 * 1024
MAX_RULES = 1000
MAX_OWNERS_PER_LINE = 50
MAX_PATTERN_LENGTH = 1024
MAX_ERRORS = 20
_LOGIN = re.compile(LOGIN_RE.strip("^$"))


@dataclass
class Rule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    _regex: object = field(repr=False, default=None)  # an RE2 regular expression
    _shallow: bool = False

    def matches(self, path: str) -> bool:
        found = self._regex.match(path)
        if found is None:
            return False
        return not self._shallow or found.end() >= len(path)


@dataclass
class CodeOwners:
    path: str | None = None
    rules: list[Rule] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"path": self.path, "line": line, "message": message})

    def owners_of(self, path: str) -> tuple[str, ...]:
        """The owners of one file: the last matching rule's (none when nothing matches)."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule.owners
        return ()

    def owner_sets(self, paths) -> list[list[str]]:
        """The distinct owner sets of the given files, each sorted; files without owners need none."""
        sets = []
        for path in paths:
            owners = sorted(set(self.owners_of(path)))
            if owners and owners not in sets:
                sets.append(owners)
        return sets


def _owner(token: str) -> tuple[str | None, str | None]:
    """(login, None) for `@login`, (None, reason) for anything else."""
    if not token.startswith("@"):
        return None, f"owner {token[:80]!r} is not an @login (e-mail owners are not supported)"
    name = token[1:]
    if "/" in name:
        return None, f"owner {token[:80]!r} is a team; teams are not supported"
    if not _LOGIN.fullmatch(name):
        return None, f"owner {token[:80]!r} is not a valid login"
    return name.lower(), None


def parse(data: bytes | None, path: str | None = None, *, too_large: bool = False) -> CodeOwners:
    result = CodeOwners(path=path)
    if too_large or (data is not None and len(data) > MAX_BYTES):
        result.error(None, f"the file is larger than {MAX_BYTES} bytes and is ignored")
        return result
    if data is None:
        return result
    text = data.decode("utf-8", errors="replace")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(result.rules) >= MAX_RULES:
            result.error(number, f"more than {MAX_RULES} rules; the rest are ignored")
            break
        line = line.split(" #", 1)[0].strip() if " #" in line else line
        parts = line.split()
        pattern, tokens = parts[0], parts[1:]
        if len(pattern) > MAX_PATTERN_LENGTH:
            result.error(number, "the pattern is too long")
            continue
        if pattern.startswith("!"):
            result.error(number, "negated patterns (!) are not supported")
            continue
        if "[" in pattern or "]" in pattern:
            result.error(number, "character ranges ([ ]) are not supported")
            continue
        if len(tokens) > MAX_OWNERS_PER_LINE:
            result.error(number, f"more than {MAX_OWNERS_PER_LINE} owners")
            continue
        owners, problem = [], None
        for token in tokens:
            login, problem = _owner(token)
            if problem:
                break
            owners.append(login)
        if problem:
            result.error(number, problem)
            continue
        try:
            compiled = GitIgnoreSpecPattern(pattern)
            regex = re2.compile(compiled.regex.pattern) if compiled.include is not None else None
        except Exception as exc:  # noqa: BLE001 - pathspec and RE2 raise several kinds for a bad pattern
            result.error(number, f"invalid pattern: {str(exc)[:200]}")
            continue
        if regex is None:
            result.error(number, "the pattern matches nothing")
            continue
        last = pattern.rstrip("/").rsplit("/", 1)[-1]
        shallow = "/" in pattern.rstrip("/") and not pattern.endswith("/") and "*" in last and last != "**"
        result.rules.append(Rule(number, pattern, tuple(dict.fromkeys(owners)), regex, shallow))
    return result


def read(repo_id: int, sha: str) -> CodeOwners:
    """The CODEOWNERS in effect at commit `sha` (the first of CODEOWNERS_PATHS that exists)."""
    from repos import git

    for path in CODEOWNERS_PATHS:
        try:
            found = git.read_path(repo_id, sha, path, max_bytes=MAX_BYTES)
        except git.PathNotFound:
            continue
        if found["type"] != "file":
            continue
        return parse(found["data"], path, too_large=found["data"] is None)
    return CodeOwners()
