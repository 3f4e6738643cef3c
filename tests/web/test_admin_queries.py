"""No admin list runs a query per row: each takes as many queries for two rows of every kind as for one."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured.captured_queries)


def test_admin_lists_take_the_same_queries_for_more_rows(rows, make_user):
    client = Client()
    client.force_login(make_user("count-op", is_staff=True, is_superuser=True))
    lists = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
    queries(client, "/admin/")  # the session and the user's permissions, once
    before = {path: queries(client, path) for path in lists}
    rows.add_rows(2)
    rows.add_rows(3)
    after = {path: queries(client, path) for path in lists}
    assert {p: (before[p], after[p]) for p in lists if after[p] != before[p]} == {}
