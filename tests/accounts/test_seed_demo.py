"""seed_demo keeps the demo token in KIZUNA_VAR_DIR (0600) and never revokes a working one."""

import pytest
from django.core.management import call_command

from kizuna.accounts import tokens as token_format
from kizuna.accounts.models import Token

pytestmark = pytest.mark.django_db


def seed(capsys) -> str:
    call_command("seed_demo", quiet_token=True)
    return capsys.readouterr().out.strip()


def test_rerun_prints_the_same_token_and_revokes_none(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    first = seed(capsys)
    assert (tmp_path / "demo-token").read_text().strip() == first
    assert (tmp_path / "demo-token").stat().st_mode & 0o777 == 0o600
    assert seed(capsys) == first
    assert Token.objects.filter(revoked_at__isnull=False).count() == 0
    # Without the file (a wiped var/, another checkout): a new token, the old one still works.
    (tmp_path / "demo-token").unlink()
    third = seed(capsys)
    assert third != first
    assert Token.objects.active().filter(digest__in=[token_format.digest(first), token_format.digest(third)]).count() == 2
    # A kept token that was revoked meanwhile is replaced, not printed.
    Token.objects.filter(digest=token_format.digest(third)).update(revoked_at="2020-01-01T00:00:00Z")
    fourth = seed(capsys)
    assert fourth not in (first, third) and (tmp_path / "demo-token").read_text().strip() == fourth
