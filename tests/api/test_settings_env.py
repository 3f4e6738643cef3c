"""Every `KIZUNA_*` knob the code reads is declared in kizuna/settings.py from the environment and
listed in docs/deploy.md: no setting exists only as a `getattr` default."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CODE = ["kizuna", "repos", "issues", "pulls", "agents", "pipelines"]
USE = re.compile(r"settings\.(KIZUNA_[A-Z0-9_]+)")
INTERNAL = {"KIZUNA_RATE_LIMIT_WINDOW_SECONDS", "KIZUNA_RATE_LIMIT_NAMESPACE"}  # fixed, or set only by tests


def used_knobs() -> set[str]:
    found = set()
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= set(USE.findall(path.read_text()))
    return found


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
