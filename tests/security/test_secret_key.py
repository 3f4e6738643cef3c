"""The published default SECRET_KEY refuses to start outside DEBUG; `make run` generates one (issue 17)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kizuna.api.checks import refuse_to_start_on_serious_errors, secret_key_is_not_the_published_default

ROOT = Path(__file__).resolve().parents[2]


def test_the_check_refuses_the_default_key_outside_debug(settings):
    settings.SECRET_KEY = settings.INSECURE_SECRET_KEY
    settings.DEBUG = False
    [error] = secret_key_is_not_the_published_default(None)
    assert error.id == "kizuna.E001" and error.is_serious()
    with pytest.raises(ImproperlyConfigured, match="kizuna.E001"):
        refuse_to_start_on_serious_errors()
    settings.DEBUG = True
    assert secret_key_is_not_the_published_default(None) == []
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 50
    assert secret_key_is_not_the_published_default(None) == []
    refuse_to_start_on_serious_errors()


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("KIZUNA_SECRET_KEY", "KIZUNA_DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="kizuna.settings", **extra)
    return env


@pytest.mark.parametrize("module", ["kizuna.wsgi", "kizuna.asgi"])
def test_gunicorn_and_uvicorn_apps_do_not_load_with_the_default_key(module, tmp_path):
    code = f"import {module}"
    refused = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(KIZUNA_VAR_DIR=str(tmp_path)),
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "kizuna.E001" in refused.stderr
    started = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env=_env(KIZUNA_VAR_DIR=str(tmp_path), KIZUNA_SECRET_KEY="k" * 50))
    assert started.returncode == 0, started.stderr


def test_manage_py_commands_refuse_the_default_key(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                            env=_env(KIZUNA_VAR_DIR=str(tmp_path)), timeout=120)
    assert result.returncode != 0 and "kizuna.E001" in result.stderr


def test_make_generates_a_private_key_once(tmp_path):
    make = ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), "var/secret_key", f"PYTHON={sys.executable}"]
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    assert key_file.read_text().strip() == key  # kept: sessions survive a restart
