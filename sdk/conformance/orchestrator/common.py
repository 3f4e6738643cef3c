"""Paths and logging shared by the conformance run's modules."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]  # sdk/conformance
ROOT = HERE.parents[1]
SCENARIOS = HERE / "scenarios"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def log(message: str) -> None:
    print(f"conformance: {message}", flush=True)
