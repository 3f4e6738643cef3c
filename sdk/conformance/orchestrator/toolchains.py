"""How each driver is run: its command line, or why its toolchain is unavailable."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .common import HERE, PYTHON, ROOT


def go_env(work: Path, **extra: str) -> dict[str, str]:
    """The environment of every `go` command of the run: the installed toolchain only, no network."""
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "CGO_ENABLED": "0", **extra}
    env.setdefault("GOCACHE", str(work / "gocache"))
    return env


def _go_driver(work: Path) -> list[str] | str:
    if not shutil.which("go"):
        return "no `go` on PATH (make go-deps installs Debian's golang-go)"
    binary = work / "kizuna-conformance-go"
    env = go_env(work)
    build = subprocess.run(["go", "build", "-o", str(binary), "."], cwd=HERE / "drivers" / "go", env=env,
                           capture_output=True, text=True)
    if build.returncode != 0:
        return f"go build failed:\n{build.stdout}{build.stderr}"
    return [str(binary)]


def _rust_driver(work: Path) -> list[str] | str:
    manifest = HERE / "drivers" / "rust" / "Cargo.toml"
    # Debian's cargo goes with Debian's rustc and crates (a rustup cargo earlier on PATH does not).
    cargo = "/usr/bin/cargo" if Path("/usr/bin/cargo").exists() else shutil.which("cargo")
    if not cargo:
        return "no `cargo` on PATH"
    if not manifest.exists():
        return f"{manifest.relative_to(ROOT)} does not exist"
    build = subprocess.run([cargo, "build", "--offline", "--quiet", "--manifest-path", str(manifest)],
                           cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        return f"cargo build failed: {build.stdout}{build.stderr}"
    return [cargo, "run", "--offline", "--quiet", "--manifest-path", str(manifest), "--"]


def _node_driver(work: Path) -> list[str] | str:
    if not shutil.which("node"):
        return "no `node` on PATH"
    return ["node", str(HERE / "drivers" / "js" / "driver.mjs")]


DRIVERS = {
    "python": lambda work: [PYTHON, str(HERE / "drivers" / "python" / "driver.py")],
    "js": _node_driver,
    "go": _go_driver,
    "rust": _rust_driver,
}
