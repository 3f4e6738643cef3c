"""Helpers for API tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(client, path: str, *, min_items: int = 2) -> list[int]:
    """The same number of queries at per_page=1 and per_page=100 (after a warm-up request that may
    write `last_used_at`)."""
    sep = "&" if "?" in path else "?"
    warm = client.get(f"{path}{sep}per_page=100")
    assert warm.status_code == 200, warm.content
    assert len(warm.json()) >= min_items, "needs several items to mean anything"
    counts = []
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{path}{sep}per_page={per_page}")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    return counts
