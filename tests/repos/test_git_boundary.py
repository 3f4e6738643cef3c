"""Only the git library (repos/git/) runs `git` or touches pygit2 (docs/architecture.md): no other
module of the server imports pygit2, and none imports subprocess unless it is listed below with what
it runs instead. Imports inside functions count (pygit2 is imported where it is used)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_CODE = ["kizuna", "repos", "issues", "pulls", "agents", "pipelines"]
GIT_LIBRARY = ROOT / "repos" / "git"
WATCHED = {"pygit2", "subprocess"}

# Modules that start processes other than git, with what they start.
ALLOWED = {
    ("kizuna/accounts/management/commands/run_demo.py", "subprocess"):
        "`make run`: the ASGI server, the task worker and the webhook sweeper, never git",
}


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def server_files():
    for top in SERVER_CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if GIT_LIBRARY not in path.parents and "migrations" not in path.parts:
                yield path


def test_only_the_git_library_runs_git_or_touches_pygit2():
    found = []
    for path in server_files():
        rel = path.relative_to(ROOT).as_posix()
        for name in sorted(imported_modules(path.read_text()) & WATCHED):
            if (rel, name) not in ALLOWED:
                found.append(f"{rel}: imports {name}")
    assert found == [], "git or pygit2 outside repos/git/:\n" + "\n".join(found)


def test_the_allowed_list_names_modules_that_exist():
    assert all((ROOT / rel).is_file() for rel, _ in ALLOWED)


def test_the_scanner_sees_imports_inside_functions():
    assert imported_modules("def f():\n    import pygit2\n") == {"pygit2"}
    assert imported_modules("from subprocess import run\n") == {"subprocess"}
    assert imported_modules("from . import git\n") == set()
