"""Every `KIZUNA_*` knob the code reads is declared in kizuna/settings.py from the environment and
listed in docs/deploy.md: no setting exists only as a `getattr` default."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "kizuna" / "settings.py"
CODE = ["kizuna", "repos", "issues", "pulls", "agents", "pipelines"]
USE = re.compile(r"settings\.(KIZUNA_[A-Z0-9_]+)")
INTERNAL = {"KIZUNA_RATE_LIMIT_NAMESPACE"}  # set only by tests
# Not settings: what the git view hands its pre-receive hook in the hook's environment.
CHILD_ENV = {"KIZUNA_PUSH_POLICY", "KIZUNA_PUSH_LOG"}
NAMED = re.compile(r"[\"'](KIZUNA_[A-Z0-9_]+)[\"']")


def code_files(*, migrations: bool = False):
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            if path != SETTINGS and (migrations or "migrations" not in path.parts):
                yield path


def used_knobs() -> set[str]:
    return {name for path in code_files() for name in USE.findall(path.read_text())}


def test_every_knob_is_declared_in_settings_from_the_environment():
    source = SETTINGS.read_text()
    missing = sorted(k for k in used_knobs() if not hasattr(settings, k))
    assert missing == []
    not_from_env = sorted(k for k in used_knobs() - INTERNAL if f'"{k}"' not in source)
    assert not_from_env == [], "declared but not read from the environment"


def test_no_knob_is_looked_up_by_its_name_outside_settings():
    """`getattr(settings, "KIZUNA_…", default)`, also behind a helper: a knob with a default of its own."""
    named = {name for path in code_files(migrations=True) for name in NAMED.findall(path.read_text())}
    assert sorted(named - CHILD_ENV) == []


def test_every_variable_settings_reads_is_in_the_deploy_table():
    """Also every knob the code uses: the first test holds each to a variable read here."""
    source = SETTINGS.read_text()
    table = (ROOT / "docs" / "deploy.md").read_text()
    read = set(NAMED.findall(source)) - INTERNAL
    assert read and sorted(k for k in read if f"`{k}`" not in table) == []
