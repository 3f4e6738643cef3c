"""kizuna.database: timestamps read by psycopg's C loader give exactly what Django's loader gives."""

import datetime
import zoneinfo

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from kizuna.accounts.models import User
from kizuna.database import TIMESTAMPTZ_OID, UtcTimestamptzLoader, use_c_timestamp_loader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders: PostgreSQL only"),
]

VALUES = [
    "2026-12-04 05:28:54.123456+00", "2026-01-01 10:00:00.5+05:30", "1999-12-31 23:59:59-08",
    "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2024-02-29 12:00:00 Europe/Paris",
]


def _read(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_connections_read_timestamps_with_the_c_loader():
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is UtcTimestamptzLoader
    with connection.cursor() as cursor:  # Django registers no loader of its own on the cursor
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, 0) is UtcTimestamptzLoader


def test_values_equal_djangos_loader_to_the_microsecond_and_zone():
    sql = "SELECT " + ", ".join(f"'{v}'::timestamptz" for v in VALUES) + ", NULL::timestamptz"
    ours = _read(sql)[0]
    django_loader = type("Utc", (BaseTzLoader,), {"timezone": datetime.timezone.utc})
    connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, django_loader)
    try:
        theirs = _read(sql)[0]
    finally:
        connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
    assert ours == theirs
    assert [v.tzinfo for v in ours[:-1]] == [datetime.timezone.utc] * len(VALUES) and ours[-1] is None
    assert ours[1] == datetime.datetime(2026, 1, 1, 4, 30, 0, 500000, tzinfo=datetime.timezone.utc)


def test_models_get_aware_utc_datetimes():
    user = User.objects.create(username="clock")
    loaded = User.objects.get(pk=user.pk)
    assert loaded.date_joined == user.date_joined and loaded.date_joined.tzinfo is datetime.timezone.utc


def test_another_time_zone_keeps_djangos_loader():
    alias = "default"
    other = connections.create_connection(alias)
    other.settings_dict = {**other.settings_dict, "TIME_ZONE": "Europe/Paris"}
    try:
        other.ensure_connection()  # connection_created ran: Django's own zone is not UTC here
        assert other.timezone == zoneinfo.ZoneInfo("Europe/Paris")
        assert other.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is not UtcTimestamptzLoader
        use_c_timestamp_loader(sender=type(other), connection=other)  # asked again: still not
        assert other.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is not UtcTimestamptzLoader
        with other.cursor() as cursor:
            cursor.execute("SELECT '2026-01-01 10:00:00+00'::timestamptz")
            value = cursor.fetchone()[0]
        assert value.tzinfo == zoneinfo.ZoneInfo("Europe/Paris") and value.hour == 11
    finally:
        other.close()
