"""The API's versions and deprecations, declared in one place (docs/api.md §18).

Everything else reads this registry: the URL routing (`kizuna/urls.py` routes `/api/<version>/` for
each version not past its sunset), the `Deprecation` / `Sunset` / `Link` headers and the 410s
(`kizuna.api.middleware.VersionMiddleware`), the OpenAPI schema (`kizuna.api.schema.versions_hook`),
`GET /api`, `GET /api/v1/changelog` and the start-up check (`kizuna.api.checks`).

To deprecate something, add a `Deprecation` to DEPRECATIONS (docs/versioning.md):

    Deprecation("GET /repos/{org}/{repo}/issues", parameter="labels",
                deprecated_at=date(2027, 3, 1), sunset_at=date(2028, 3, 1),
                notes="https://kizuna.example.com/docs/changes/labels-filter")

Dates are UTC days: a thing is deprecated from 00:00 UTC of `deprecated_at` and gone from 00:00 UTC of
`sunset_at`, which must be at least 12 months later. Tests swap the registry with `override()` and move
the clock with `travel_to()`; nothing here holds mutable state across requests.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
import dataclasses
import functools
from dataclasses import dataclass

from django.utils import timezone

UTC = dt.timezone.utc
KINDS = ("added", "deprecated", "removed", "changed")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/[^\s]*)$")
VERSION_NAME = re.compile(r"^v[1-9][0-9]*$")
SUPPORT_MONTHS = 12


def instant(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A registry date as an aware UTC datetime (a date means 00:00 UTC of that day)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)


def months_later(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus whole calendar months (the 31st of a shorter month is its last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


class Dated:
    """Shared by versions and deprecations: deprecated_at / sunset_at and what they mean at `now`."""

    deprecated_at: dt.date | dt.datetime | None
    sunset_at: dt.date | dt.datetime | None
    notes: str

    @property
    def deprecated(self) -> dt.datetime | None:
        return instant(self.deprecated_at)

    @property
    def sunset(self) -> dt.datetime | None:
        return instant(self.sunset_at)

    def is_deprecated(self) -> bool:
        """Declared deprecated (the date may still lie ahead: RFC 9745 lets the header announce it)."""
        return self.deprecated_at is not None

    def is_sunset(self, now: dt.datetime) -> bool:
        return self.sunset is not None and now >= self.sunset

    def support_too_short(self) -> bool:
        """A sunset less than SUPPORT_MONTHS after the deprecation (or a sunset with no deprecation)."""
        if self.sunset is None:
            return False
        if self.deprecated is None:
            return True
        return self.sunset < months_later(self.deprecated, SUPPORT_MONTHS)


@dataclass(frozen=True)
class Version(Dated):
    """One API version, served under `/api/<name>/` by the URL patterns of the module `urlconf`."""

    name: str
    urlconf: str
    released_at: dt.date
    deprecated_at: dt.date | dt.datetime | None = None
    sunset_at: dt.date | dt.datetime | None = None
    notes: str = ""

    def __post_init__(self):
        if not VERSION_NAME.match(self.name):
            raise ValueError(f"version name {self.name!r} is not v<N>")

    def status(self, now: dt.datetime) -> str:
        if self.is_sunset(now):
            return "sunset"
        if self.deprecated is not None and now >= self.deprecated:
            return "deprecated"
        return "stable"

    @property
    def what(self) -> str:
        return f"API {self.name}"


@dataclass(frozen=True)
class Deprecation(Dated):
    """A deprecated operation of a version, or one query parameter or response field of it.

    `operation` is the method and the path as the version's schema shows it, relative to the
    version's root: "GET /repos/{org}/{repo}/issues". Set `parameter` for a query parameter, `field`
    for a top-level field of the operation's response (of each item, for a list)."""

    operation: str
    deprecated_at: dt.date | dt.datetime
    sunset_at: dt.date | dt.datetime
    notes: str
    version: str = "v1"
    parameter: str | None = None
    field: str | None = None

    def __post_init__(self):
        if not OPERATION.match(self.operation):
            raise ValueError(f"operation {self.operation!r} is not 'METHOD /path'")
        if self.parameter and self.field:
            raise ValueError("a deprecation names a parameter or a field, not both")
        if not self.notes:
            raise ValueError("a deprecation needs a notes URL")

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.operation.split(" ", 1)[1]

    @property
    def kind(self) -> str:
        return "parameter" if self.parameter else "field" if self.field else "operation"

    @property
    def what(self) -> str:
        if self.parameter:
            return f"{self.version}: query parameter `{self.parameter}` of {self.operation}"
        if self.field:
            return f"{self.version}: response field `{self.field}` of {self.operation}"
        return f"{self.version}: {self.operation}"


@dataclass(frozen=True)
class Change:
    """A changelog entry that is not a deprecation or a removal (those derive from the registry)."""

    date: dt.date
    kind: str
    what: str
    notes: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"change kind {self.kind!r} is not one of {KINDS}")


@dataclass
class Registry:
    versions: list[Version]
    deprecations: list[Deprecation] = dataclasses.field(default_factory=list)
    changes: list[Change] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        self._versions = {}
        for version in self.versions:
            if version.name in self._versions:
                raise ValueError(f"version {version.name} declared twice")
            self._versions[version.name] = version
        self._by_operation: dict[tuple[str, str, str], list[Deprecation]] = {}
        for item in self.deprecations:
            if item.version not in self._versions:
                raise ValueError(f"{item.what}: unknown version {item.version}")
            self._by_operation.setdefault((item.version, item.method, item.path), []).append(item)

    def version(self, name: str) -> Version | None:
        return self._versions.get(name)

    def routed(self, now: dt.datetime) -> list[Version]:
        """The versions `kizuna/urls.py` serves: every one not past its sunset."""
        return [v for v in self.versions if not v.is_sunset(now)]

    def supported(self, now: dt.datetime) -> list[str]:
        return [v.name for v in self.routed(now)]

    def for_operation(self, version: str, method: str, path: str) -> list[Deprecation]:
        """Deprecations of `METHOD path` in `version` (HEAD is GET's)."""
        method = "GET" if method == "HEAD" else method
        return self._by_operation.get((version, method, path), [])

    def changelog(self, now: dt.datetime) -> list[Change]:
        """Dated changes up to `now`, newest first: the data list, plus each version's release,
        deprecation and sunset and each deprecation's start and sunset (entries ahead of `now` wait)."""
        entries = list(self.changes)
        for version in self.versions:
            entries.append(Change(version.released_at, "added", version.what, version.notes or None))
            if version.deprecated is not None:
                entries.append(Change(version.deprecated.date(), "deprecated",
                                      _until(version.what, version), version.notes or None))
            if version.sunset is not None:
                entries.append(Change(version.sunset.date(), "removed", version.what, version.notes or None))
        for item in self.deprecations:
            entries.append(Change(item.deprecated.date(), "deprecated", _until(item.what, item), item.notes))
            entries.append(Change(item.sunset.date(), "removed", item.what, item.notes))
        today = now.date()
        order = {kind: i for i, kind in enumerate(("removed", "deprecated", "changed", "added"))}
        # Stable order for pagination: date (newest first), then kind, then text.
        return sorted((e for e in entries if e.date <= today), key=lambda e: (-e.date.toordinal(), order[e.kind], e.what))


def _until(what: str, item: Dated) -> str:
    if item.sunset is None:
        return what
    from kizuna.api.fields import timestamp

    return f"{what} (sunset {timestamp(item.sunset)})"


# --- The registry --------------------------------------------------------------------------------

VERSIONS = [
    Version("v1", urlconf="kizuna.urls_v1", released_at=dt.date(2026, 11, 28)),
]

# Nothing in v1 is deprecated yet. Add entries here (see the module docstring and docs/versioning.md).
DEPRECATIONS: list[Deprecation] = []

# Changes that are neither a deprecation nor a removal: new endpoints, new fields, behaviour changes
# that are not breaking (docs/versioning.md says which are).
CHANGES = [
    Change(dt.date(2026, 12, 2), "added", "GET /api: the list of API versions and their status"),
    Change(dt.date(2026, 12, 2), "added", "v1: GET /changelog, this list of dated changes"),
    Change(dt.date(2026, 12, 2), "added",
           "v1: Deprecation, Sunset and Link rel=\"deprecation\" headers on anything deprecated; 410 GONE after its sunset"),
]

REGISTRY = Registry(VERSIONS, DEPRECATIONS, CHANGES)

_registries: list[Registry] = [REGISTRY]
_clocks: list[dt.datetime] = []


def registry() -> Registry:
    """The registry in force (REGISTRY, unless a test swapped it with `override`)."""
    return _registries[-1]


def now() -> dt.datetime:
    """The time every version decision uses: the real clock, unless a test moved it (`travel_to`)."""
    return _clocks[-1] if _clocks else timezone.now()


def reload_urls() -> None:
    """Rebuild the URL routing from the registry in force (the patterns are built at import)."""
    import importlib
    import sys

    from django.urls import clear_url_caches

    for name in ("kizuna.urls",):
        if name in sys.modules:
            importlib.reload(sys.modules[name])
    clear_url_caches()


@contextmanager
def override(replacement: Registry):
    """Serve `replacement` instead of REGISTRY inside the block (tests): routing is rebuilt on entry
    and on exit."""
    _registries.append(replacement)
    try:
        reload_urls()
        yield replacement
    finally:
        _registries.remove(replacement)
        reload_urls()


@contextmanager
def travel_to(moment: dt.date | dt.datetime):
    """Make `now()` answer `moment` inside the block (tests)."""
    _clocks.append(instant(moment))
    try:
        yield _clocks[-1]
    finally:
        _clocks.pop()


ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@functools.cache  # a route is a URL pattern's, not the caller's: one entry per pattern
def split_route(route: str) -> tuple[str, str] | None:
    """A resolved route (`api/v1/repos/<str:org>/<str:repo>/issues`) as the version and the path the
    version's schema shows (`("v1", "/repos/{org}/{repo}/issues")`); None outside `/api/<version>/`.
    `pk` reads as `id`, as drf-spectacular names it."""
    route = route.lstrip("^").rstrip("$")
    match = re.match(r"^api/(v[0-9]+)/(.*)$", route)
    if not match:
        return None

    def name(m):
        param = m.group(1) or m.group(2)
        return "{id}" if param == "pk" else "{" + param + "}"

    return match.group(1), "/" + ROUTE_PARAM.sub(name, match.group(2)).replace("^", "").rstrip("/")
