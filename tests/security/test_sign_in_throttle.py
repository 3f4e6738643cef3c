"""Password guessing on /login and /admin/login/ is throttled per account and per client address
(django-axes): 429 with Retry-After, even for the right password, until the cool-off ends (issue 17)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.accounts.services import user_create

pytestmark = pytest.mark.django_db


def attempt(path, login, password, address="10.0.0.1", **extra):
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post(path, {"username": login, "password": password})
    return response, client


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def limit(settings):
    assert settings.AXES_FAILURE_LIMIT == settings.KIZUNA_LOGIN_FAILURE_LIMIT == 5
    return 5


@pytest.mark.parametrize("path, staff", [("/login", False), ("/admin/login/", True)])
def test_wrong_passwords_lock_the_account(limit, path, staff):
    user_create(login="victim", password="right-pw", is_staff=staff)
    for i in range(limit):
        response, _ = attempt(path, "victim", f"wrong{i}", address=f"10.0.1.{i}")  # from many addresses
        assert response.status_code == (200 if i < limit - 1 else 429), i  # the limit-th failure locks
    response, client = attempt(path, "victim", "right-pw", address="10.0.2.1")
    assert response.status_code == 429 and not signed_in(client)
    assert int(response["Retry-After"]) == 900
    assert "right-pw" not in response.content.decode()


def test_one_address_guessing_many_accounts_is_locked(limit):
    user_create(login="other", password="right-pw")
    for i in range(limit):
        response, _ = attempt("/login", f"nobody{i}", "guess")
        assert response.status_code == (200 if i < limit - 1 else 429), i
    response, client = attempt("/login", "other", "right-pw")
    assert response.status_code == 429 and not signed_in(client)
    # another address signs in to the account, which was never itself guessed at
    response, client = attempt("/login", "other", "right-pw", address="10.9.9.9")
    assert response.status_code == 302 and signed_in(client)


def test_x_forwarded_for_does_not_buy_fresh_attempts(limit):
    user_create(login="fwd", password="right-pw")
    for i in range(limit):
        attempt("/login", f"nobody{i}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response, _ = attempt("/login", "fwd", "right-pw", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off(limit):
    from axes.models import AccessAttempt

    user_create(login="patient", password="right-pw")
    for i in range(limit):
        attempt("/login", "patient", "wrong")
    assert attempt("/login", "patient", "right-pw")[0].status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=901))
    response, client = attempt("/login", "patient", "right-pw")
    assert response.status_code == 302 and signed_in(client)
