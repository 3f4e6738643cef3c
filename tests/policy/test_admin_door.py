"""The Django admin's door asks the policy's one staff rule (kizuna.policy.is_staff)."""

from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_admin_entry_is_the_policys_staff_rule(client, make_user):
    staff = make_user("door-staff", is_staff=True)
    person = make_user("door-person")
    client.force_login(person)
    assert client.get("/admin/").status_code == 302  # to the admin's sign-in
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    with mock.patch("kizuna.policy.is_staff", return_value=False):
        assert client.get("/admin/").status_code == 302
