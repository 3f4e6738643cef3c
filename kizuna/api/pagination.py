"""Page-number pagination with GitHub's `Link` header and `X-Total-Count` (docs/api.md §4).

Bodies are bare arrays. The total is counted with a bound: past KIZUNA_PAGINATION_COUNT_LIMIT rows
`last` and `X-Total-Count` are omitted instead of counting a huge table. A list whose total the database
keeps in a counter (a repository's issues, its pipelines) passes it as `total`: exact at any size, and no
rows are counted.
"""

import json

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import ValidationFailed
from .fields import absolute_url

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_OFFSET = 2**31 - 1  # past this a page is empty; larger offsets overflow the databases' integers


def _positive_int(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationFailed({name: ["must be a positive integer"]})
    return value


ESTIMATE_FACTOR = 4


def _count_sql(queryset):
    """The queryset as `SELECT pk … WHERE …` (no ordering), compiled once for the estimate and the count;
    None when nothing can match (e.g. `.none()`)."""
    try:
        return queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None


def estimated_rows(using: str, compiled) -> float | None:
    """PostgreSQL's estimate of how many rows a compiled `SELECT` matches (EXPLAIN, nothing executed);
    None elsewhere."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    sql, params = compiled
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


class LinkHeaderPagination(BasePagination):
    def parse(self, request) -> tuple[int, int]:
        page = _positive_int(request, "page", 1)
        per_page = min(_positive_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        return page, per_page

    def paginate_queryset(self, queryset, request, view=None, total: int | None = None):
        """`total`: the exact number of matches when the caller keeps it (a counter), else counted here."""
        if hasattr(queryset, "ordered") and not queryset.ordered:
            raise ImproperlyConfigured(f"{view.__class__.__name__}: paginating an unordered queryset")
        rows = self._page_rows(request, lambda limit, offset: list(queryset[offset : offset + limit]))
        self.total = total if total is not None else self._bounded_count(queryset)
        return rows

    def paginate_statements(self, page, count, values: dict, request, max_rows: int | None = None,
                            instances: bool = False, total: int | None = None):
        """`paginate_queryset` for a list compiled once (kizuna.statements): `page` is the rows'
        statement (ordered, unsliced), `count` the same filter as `SELECT pk`, `values` the request's.
        `max_rows`, when the caller knows an upper bound of the matches (a repository's issue counter),
        lets a small list skip the planner estimate. `instances`: the page as model instances, not tuples.
        `total`: the exact number of matches when a counter keeps it; `count` is then not run (may be None)."""
        read = page.instances if instances else page.rows
        rows = self._page_rows(request, lambda limit, offset: read(values, limit, offset))
        if total is not None:
            self.total = total
        else:
            self.total = self._count_compiled(count.sql_with_params(values), count.using, max_rows)
        return rows

    def _page_rows(self, request, fetch) -> list:
        """The requested page's rows, `fetch(limit, offset)` reading them. One row past the page tells
        whether a next page exists without counting."""
        self.request = request
        self.page, self.per_page = self.parse(request)
        offset = (self.page - 1) * self.per_page
        rows = fetch(self.per_page + 1, offset) if offset < MAX_OFFSET else []
        self.has_next = len(rows) > self.per_page
        return rows[: self.per_page]

    def _bounded_count(self, queryset) -> int | None:
        """COUNT over at most limit+1 rows (ordering and annotations stripped); None above the limit.

        Always run, even on a last page, so every page of a list costs the same number of queries.
        On PostgreSQL the planner is asked first: when it expects far more rows than the limit, the
        bounded count (which still reads limit+1 matching rows) is skipped and the total omitted.
        Both statements wrap one compilation of the query (compiling is most of the ORM's per-query
        cost); the count is what `qs.order_by().values("pk")[:limit + 1].count()` would run."""
        if not hasattr(queryset, "query"):
            bounded = len(queryset)
            return bounded if bounded <= settings.KIZUNA_PAGINATION_COUNT_LIMIT else None
        return self._count_compiled(_count_sql(queryset), queryset.db)

    def _count_compiled(self, compiled, using: str, max_rows: int | None = None) -> int | None:
        """The bounded count (with the planner's estimate first) of a compiled `SELECT pk …`."""
        if compiled is None:
            return 0
        limit = settings.KIZUNA_PAGINATION_COUNT_LIMIT
        if max_rows is None or max_rows > ESTIMATE_FACTOR * limit:
            estimate = estimated_rows(using, compiled)
            if estimate is not None and estimate > ESTIMATE_FACTOR * limit:
                return None
        sql, params = compiled
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) bounded", (*params, limit + 1))
            bounded = cursor.fetchone()[0]
        return bounded if bounded <= limit else None

    def links(self) -> dict[str, int]:
        last = None
        if self.total is not None:
            last = max(1, -(-self.total // self.per_page))
        links = {}
        if self.page > 1:
            links["first"] = 1
            links["prev"] = min(self.page - 1, last) if last else self.page - 1
        if self.has_next:
            links["next"] = self.page + 1
            if last:
                links["last"] = last
        return links

    def get_paginated_response(self, data):
        url = absolute_url(self.request, self.request.get_full_path())
        links = self.links()
        headers = {}
        if links:
            headers["Link"] = ", ".join(f'<{replace_query_param(url, "page", n)}>; rel="{rel}"' for rel, n in links.items())
        if self.total is not None:
            headers["X-Total-Count"] = str(self.total)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, 1-based.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Items per page (1-100; larger values are read as 100).",
                "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_PER_PAGE},
            },
        ]
