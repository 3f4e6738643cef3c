"""The layers of docs/architecture.md ("Layers"), held against the code's imports (function-local ones
too): each row names a package and the packages above it that it must never import, so each can be
read, tested and changed without those above.

The platform (kizuna/api/, kizuna/events/) and the authorization policy (kizuna/policy/, which every
door and app asks) know no resource app above repos; a rule of the policy that needs a fact of such an
app reads it through kizuna.policy.facts, which that app answers at ready(). Not held here:
kizuna/accounts/ and kizuna/web/ know agents (an agent is a principal, as a user is)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (package, the top-level packages it must never import, why)
NEVER = [
    ("kizuna/api", {"agents", "issues", "pipelines", "pulls"}, "the platform knows no resource app but repos"),
    ("kizuna/events", {"agents", "issues", "pipelines", "pulls", "repos"}, "the event log knows no resource app"),
    ("kizuna/statements.py", {"agents", "issues", "pipelines", "pulls", "repos"}, "a platform tool"),
    ("kizuna/policy", {"agents", "issues", "pipelines", "pulls"}, "every app asks the policy: it sits below them"),
    ("repos", {"issues", "pulls", "agents", "pipelines"}, "repositories sit below issues"),
    ("issues", {"pulls", "agents", "pipelines"}, "issues know nothing of pull requests"),
    ("pulls", {"pipelines"}, "pipelines react to pull requests, not the other way"),
    ("agents", {"pipelines"}, "agents sit below pipelines"),
]


def imported_packages(path: Path) -> dict[str, int]:
    """{top-level package: first line} of every import in the file, wherever it stands."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


@pytest.mark.parametrize("package, forbidden, why", NEVER, ids=[f"{p}" for p, _, _ in NEVER])
def test_a_layer_never_imports_one_above_it(package, forbidden, why):
    place = ROOT / package
    files = [place] if place.is_file() else [p for p in place.rglob("*.py") if "migrations" not in p.parts]
    assert files
    crossings = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                 for path in files for name, line in imported_packages(path).items() if name in forbidden]
    assert not crossings, f"{why}: {crossings}"


def test_the_check_sees_a_function_local_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipelines.models import Job\n    import agents.models\n")
    assert imported_packages(module) == {"pipelines": 2, "agents": 3}
