"""Each new PostgreSQL connection's setup: timestamps read by psycopg's C loader.

Django registers its own `timestamptz` loader on every psycopg connection, a subclass of psycopg's
pure-Python loader, only to put its time zone on the values. With the session's TimeZone at UTC —
Django sets it so with USE_TZ and TIME_ZONE "UTC", as settings.py does — psycopg's C loader returns the
same aware datetimes, `tzinfo=datetime.timezone.utc` included, about seven times faster; Django's built
a Python loader per result and parsed each value in Python: a few per cent of a token-authenticated
request, more in a list of timestamps (docs/benchmarks.md, "Timestamps by psycopg's C loader").

Under any other time zone, or without psycopg's C implementation, Django's loader stays.
"""

import datetime

from psycopg import adapt, adapters, pq
from psycopg.postgres import types

TIMESTAMPTZ_OID = types["timestamptz"].oid
_C_LOADER = adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)  # C when psycopg has it (psycopg[binary])


class UtcTimestamptzLoader(adapt.Loader):
    """psycopg's C `timestamptz` loader, bound per result as psycopg binds any loader. It cannot be
    subclassed; `timezone` is what Django's `create_cursor` compares with the connection's before it
    registers its own loader on a cursor (equal: it does not)."""

    timezone = datetime.timezone.utc

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self.load = self._load = _C_LOADER(oid, context).load  # the C method itself: no Python frame per value

    def load(self, data):  # shadowed per instance in __init__; here for the Loader interface
        return self._load(data)


def use_c_timestamp_loader(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: swap Django's Python timestamptz loader for psycopg's C one when
    both give the same values (session in UTC, Django's time zone UTC, the C implementation present)."""
    if connection.vendor != "postgresql" or pq.__impl__ not in ("c", "binary"):
        return
    raw = connection.connection
    if connection.timezone is not datetime.timezone.utc or raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
