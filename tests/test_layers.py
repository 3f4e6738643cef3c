"""The layers of docs/architecture.md, held against the code's imports (function-local ones too): a
lower layer never imports a higher one, so each can be read, tested and changed without those above.

The platform (kizuna/api/) and the authorization policy (kizuna/policy/, which every door and app
asks) know no resource app that sits above them; a rule of the policy that needs a fact of such an
app reads it through kizuna.policy.facts, which that app answers at ready()."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (package, the top-level packages it must never import, why)
NEVER = [
    ("kizuna/api", {"agents", "issues", "pipelines", "pulls"}, "the platform knows no resource app but repos"),
    ("kizuna/policy", {"agents", "issues", "pipelines", "pulls"}, "every app asks the policy: it sits below them"),
    ("issues", {"pulls"}, "issues know nothing of pull requests"),
    ("repos", {"issues", "pulls"}, "repositories sit below issues"),
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
    files = [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    assert files
    crossings = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                 for path in files for name, line in imported_packages(path).items() if name in forbidden]
    assert not crossings, f"{why}: {crossings}"


def test_the_check_sees_a_function_local_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipelines.models import Job\n    import agents.models\n")
    assert imported_packages(module) == {"pipelines": 2, "agents": 3}
