"""CODEOWNERS comes from whoever can push: no pattern in it can make matching a path stall."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Under a backtracking engine each of these rules costs ~n^12 steps against the long names below (hours);
# on RE2 the whole check is linear in the paths.
SCRIPT = r"""
import django
django.setup()
from pulls.codeowners import MAX_RULES, parse

rules = "".join(f"{'*a' * 12}b{i} @w-admin\n" for i in range(200)) + "docs/*  @docs\n"
owners = parse(rules.encode())
assert len(owners.rules) == 201 <= MAX_RULES, owners.errors
paths = ["a" * 1000, "dir/" + "a" * 2000 + "c", "docs/" + "a" * 500, "docs/deep/x"]
print([owners.owners_of(p) for p in paths])
"""


def test_catastrophic_patterns_match_in_linear_time():
    env = {"DJANGO_SETTINGS_MODULE": "kizuna.settings", "KIZUNA_SECRET_KEY": "k" * 50, "PATH": "/usr/bin:/bin"}
    # A subprocess, because a backtracking match holds the GIL: an in-process regression would hang the suite.
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[(), (), ('docs',), ()]"
