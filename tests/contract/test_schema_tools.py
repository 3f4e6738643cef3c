"""The schema as third-party tools read it: Spectral's `spectral:oas` ruleset finds nothing (not even a
warning), and openapi-python-client generates a complete client (no operation skipped) that imports.

Spectral is a Node tool: it is installed by this test into .venv/spectral/node_modules (pinned, once),
never globally. CI has Node 20 (README: prerequisites), so a missing npm fails rather than skips.
"""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.contract]

ROOT = Path(settings.BASE_DIR)
SPECTRAL_VERSION = "6.16.3"
SPECTRAL_HOME = ROOT / ".venv" / "spectral"


@pytest.fixture
def schema_file(tmp_path) -> Path:
    response = Client().get("/api/v1/schema?format=json")
    assert response.status_code == 200
    path = tmp_path / "openapi.json"
    path.write_bytes(response.content)
    return path


def spectral() -> Path:
    binary = SPECTRAL_HOME / "node_modules" / ".bin" / "spectral"
    marker = SPECTRAL_HOME / f".installed-{SPECTRAL_VERSION}"
    if binary.exists() and marker.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the schema lint needs Node >= 20 (README, prerequisites)")
    SPECTRAL_HOME.mkdir(parents=True, exist_ok=True)
    (SPECTRAL_HOME / "package.json").write_text('{"private": true}\n')
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(SPECTRAL_HOME),
                    f"@stoplight/spectral-cli@{SPECTRAL_VERSION}"], check=True, timeout=600)
    marker.touch()
    return binary


def test_spectral_oas_finds_nothing(schema_file):
    result = subprocess.run(
        [str(spectral()), "lint", "--fail-severity=warn", "--ruleset", str(ROOT / ".spectral.yaml"),
         "--format", "json", "--quiet", str(schema_file)],
        capture_output=True, text=True, timeout=300,
    )
    findings = json.loads(result.stdout or "[]")
    assert [(f["code"], ".".join(map(str, f["path"])), f["message"]) for f in findings] == []
    assert result.returncode == 0, result.stderr


def test_a_generated_client_covers_every_operation_and_imports(schema_file, tmp_path, monkeypatch):
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [str(generator), "generate", "--path", str(schema_file), "--meta", "none",
         "--output-path", str(tmp_path / "kizuna_client")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if "will not be generated" in line
               or line.startswith(("WARNING", "ERROR"))]
    assert skipped == [], result.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    client = importlib.import_module("kizuna_client")
    assert client.AuthenticatedClient
    operations = {path: methods for path, methods in json.loads(schema_file.read_text())["paths"].items()}
    modules = list((tmp_path / "kizuna_client" / "api").rglob("*.py"))
    generated = [m for m in modules if m.name != "__init__.py"]
    assert len(generated) == sum(len(methods) for methods in operations.values())
    for module in generated:
        importlib.import_module("kizuna_client." + ".".join(module.relative_to(tmp_path / "kizuna_client")
                                                            .with_suffix("").parts))
    log = importlib.import_module("kizuna_client.api.runner.agent_jobs_log_create")
    assert "body" in log.sync_detailed.__code__.co_varnames  # the raw log body, as a File
