"""Every `KIZUNA_*` knob the code reads is declared in kizuna/settings.py from the environment and
listed in docs/deploy.md: no setting exists only as a `getattr` default."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CODE = ["kizuna", "repos", "issues", "pulls", "agents", "pipelines"]
USE = re.compile(r"settings\.(KIZUNA_[A-Z0-9_]+)")
INTERNAL = {"KIZUNA_RATE_LIMIT_NAMESPACE"}  # set only by tests
# Not settings: what the git view hands its pre-receive hook in the hook's environment.
CHILD_ENV = {"KIZUNA_PUSH_POLICY", "KIZUNA_PUSH_LOG"}
NAMED = re.compile(r"[\"'](KIZUNA_[A-Z0-9_]+)[\"']")


def code_files():
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts and path != ROOT / "kizuna" / "settings.py":
                yield path


def used_knobs() -> set[str]:
    return {name for path in code_files() for name in USE.findall(path.read_text())}


def test_every_knob_is_declared_in_settings_from_the_environment():
    source = (ROOT / "kizuna" / "settings.py").read_text()
    missing = sorted(k for k in used_knobs() if not hasattr(settings, k))
    assert missing == []
    not_from_env = sorted(k for k in used_knobs() - INTERNAL if f'"{k}"' not in source)
    assert not_from_env == [], "declared but not read from the environment"


def test_every_knob_is_in_the_deploy_table():
    table = (ROOT / "docs" / "deploy.md").read_text()
    assert sorted(k for k in used_knobs() - INTERNAL if k not in table) == []


def test_no_knob_is_read_with_a_getattr_default():
    pattern = re.compile(r"getattr\(settings,\s*\"KIZUNA_")
    hits = [str(p.relative_to(ROOT)) for top in CODE for p in (ROOT / top).rglob("*.py") if pattern.search(p.read_text())]
    assert hits == []


def test_no_knob_is_looked_up_by_its_name_outside_settings():
    """A name in a string (`getattr(settings, name, default)` behind a helper) escapes the checks above."""
    named = {name for path in code_files() for name in NAMED.findall(path.read_text())}
    assert sorted(named - CHILD_ENV) == []


def test_every_variable_settings_reads_is_in_the_deploy_table():
    source = (ROOT / "kizuna" / "settings.py").read_text()
    table = (ROOT / "docs" / "deploy.md").read_text()
    read = set(NAMED.findall(source)) - INTERNAL
    assert read and sorted(k for k in read if f"`{k}`" not in table) == []
