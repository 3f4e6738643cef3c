"""The Go SDK's README examples, built as programs outside the repository and run against the live server."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .common import ROOT, log
from .toolchains import go_env

# Each example of sdk/go/README.md and a line its output must hold (the examples are whole programs).
GO_EXAMPLE_OUTPUT = ["opened #", "page 2 of ", "422 VALIDATION_ERROR", "verified: true", ": issue.opened by alice"]


def go_readme_examples(info: dict, work: Path) -> list[str]:
    """Build every Go block of sdk/go/README.md as a program outside the repository (the SDK by a
    replace directive, no network) and run it against the live server."""
    readme = (ROOT / "sdk" / "go" / "README.md").read_text()
    # Whole programs are built and run; a fragment (no `package main`, e.g. the deprecation hook, whose
    # answer needs a deprecated operation the live server does not have) is shown, not run.
    blocks = [b for b in re.findall(r"```go\n(.*?)```", readme, flags=re.S) if b.lstrip().startswith("package main")]
    if len(blocks) != len(GO_EXAMPLE_OUTPUT):
        return [f"go-readme: {len(blocks)} Go blocks in sdk/go/README.md, the run knows {len(GO_EXAMPLE_OUTPUT)}"]
    env = go_env(work, KIZUNA_URL=info["url"], KIZUNA_TOKEN=info["tokens"]["alice"])
    failures = []
    for index, (source, expected) in enumerate(zip(blocks, GO_EXAMPLE_OUTPUT), 1):
        program = work / f"go-example-{index}"
        program.mkdir()
        (program / "main.go").write_text(source)
        (program / "go.mod").write_text(
            f"module example.com/readme{index}\n\ngo 1.19\n\nrequire github.com/kizuna/sdk-go v0.0.0\n\n"
            f"replace github.com/kizuna/sdk-go => {ROOT / 'sdk' / 'go'}\n")
        build = subprocess.run(["go", "build", "-o", "example", "."], cwd=program, env=env, capture_output=True, text=True)
        if build.returncode != 0:
            failures.append(f"go-readme example {index}: go build failed:\n{build.stdout}{build.stderr}")
            continue
        try:
            result = subprocess.run([str(program / "example")], cwd=program, env=env, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            failures.append(f"go-readme example {index}: did not finish within 120 s")
            continue
        if result.returncode != 0 or expected not in result.stdout:
            failures.append(f"go-readme example {index}: exit {result.returncode}, expected {expected!r} in its output:\n"
                            f"{result.stdout}{result.stderr}")
    log(f"go-readme: {'PASS' if not failures else 'FAIL'} ({len(blocks)} examples built outside the repository)")
    return failures
