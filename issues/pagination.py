"""The issue list's pagination: the foundation's, with a planner-estimate gate before counting.

The foundation counts up to KIZUNA_PAGINATION_COUNT_LIMIT + 1 rows. On a repository with a million
issues a filtered count of 10,001 rows costs more than the page itself (tens of milliseconds: every
row is checked against the filters). API.md §4 lets the server omit `last` and `X-Total-Count` above
10,000 matches, and says counting must never make a list slow; so on PostgreSQL we first ask the
planner (EXPLAIN, no execution: well under a millisecond) and skip the count when it expects more
than ESTIMATE_FACTOR × the limit. An underestimate only means an exact bounded count, as before.
"""

import json

from django.conf import settings
from django.db import connections

from kizuna.api.pagination import LinkHeaderPagination

ESTIMATE_FACTOR = 4


def estimated_rows(queryset) -> float | None:
    """PostgreSQL's estimate of how many rows `queryset` matches (None elsewhere)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPagination(LinkHeaderPagination):
    def _bounded_count(self, queryset, offset: int, fetched: int) -> int | None:
        if fetched and fetched <= self.per_page:
            return offset + fetched  # the last page: no count at all
        if hasattr(queryset, "query"):
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > ESTIMATE_FACTOR * settings.KIZUNA_PAGINATION_COUNT_LIMIT:
                return None
        return super()._bounded_count(queryset, offset, fetched)
