"""Deprecation notices (docs/api.md §18): a response that carries `Deprecation` is warned about once.

The server sends `Deprecation: @<unix time>` (RFC 9745), `Sunset: <HTTP-date>` (RFC 8594) and
`Link: <notes>; rel="deprecation"` on every answer that touches something deprecated: an operation,
a query parameter the call sent, a field of the response, or the whole version.
"""

from __future__ import annotations

import datetime as _dt
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from .links import link_pairs

__all__ = ["DeprecationNotice", "KizunaDeprecationWarning", "notice_from_headers", "warn_once"]

_PACKAGE = __name__.rsplit(".", 1)[0]


class KizunaDeprecationWarning(DeprecationWarning):
    """Something a call used is deprecated on the server; it answers 410 GONE after `sunset`."""


@dataclass(frozen=True)
class DeprecationNotice:
    method: str
    path: str
    deprecated_at: _dt.datetime | None
    sunset: str | None
    links: tuple[str, ...]

    @property
    def key(self) -> tuple:
        """What makes a notice new: the method and the server's announcement (dates and notes), not
        the path's ids, so the same operation called on many objects warns once."""
        return (self.method, self.deprecated_at, self.sunset, self.links)

    def message(self) -> str:
        since = f" since {self.deprecated_at:%Y-%m-%dT%H:%M:%SZ}" if self.deprecated_at else ""
        text = f"Kizuna API: {self.method} {self.path} uses something deprecated{since}"
        if self.sunset:
            text += f"; it stops working (410 GONE) on {self.sunset}"
        if self.links:
            text += f". See {', '.join(self.links)}"
        return text


def _deprecation_links(header: str) -> tuple[str, ...]:
    return tuple(url for url, rel in link_pairs(header) if rel == "deprecation")


def notice_from_headers(method: str, path: str, headers: Mapping[str, str]) -> DeprecationNotice | None:
    value = headers.get("Deprecation")
    if value is None:
        return None
    when = None
    stamp = value.strip()
    if stamp.startswith("@") and stamp[1:].isascii() and stamp[1:].isdigit():
        when = _dt.datetime.fromtimestamp(int(stamp[1:]), _dt.timezone.utc)
    return DeprecationNotice(method=method, path=path.split("?", 1)[0], deprecated_at=when,
                             sunset=headers.get("Sunset"), links=_deprecation_links(headers.get("Link", "")))


def _stacklevel() -> int:
    """Attribute the warning to the first frame outside this package (the caller's line)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_PACKAGE):
        level += 1
        frame = frame.f_back
    return level


def warn_once(seen: dict, notice: DeprecationNotice) -> bool:
    """Warn about `notice` unless one with its key was already seen; record it in `seen`."""
    if notice.key in seen:
        return False
    seen[notice.key] = notice
    warnings.warn(notice.message(), KizunaDeprecationWarning, stacklevel=_stacklevel())
    return True
