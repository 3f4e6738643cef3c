"""`Link` response headers (RFC 8288): pagination follows rel="next", deprecation notices show rel="deprecation"."""

from __future__ import annotations

import re

__all__ = ["link_pairs", "parse_link"]

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


def link_pairs(header: str | None) -> list[tuple[str, str]]:
    """`Link: <url>; rel="next", …` -> [(url, rel), …], in order (a rel may come more than once)."""
    return _LINK.findall(header or "")


def parse_link(header: str | None) -> dict[str, str]:
    """`Link: <url>; rel="next", …` -> {"next": url, …}."""
    return {rel: url for url, rel in link_pairs(header)}
