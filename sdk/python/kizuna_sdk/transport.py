"""The transport under `KizunaClient`: requests, errors, retries, rate-limit state, deprecation notices
and lazy pagination. `BaseClient` knows no resource; kizuna_sdk.client adds the resource groups, and
the resource groups and the SSE reader take a `BaseClient`, so nothing here imports them."""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from . import __version__
from .deprecations import DeprecationNotice, notice_from_headers, warn_once
from .errors import (
    KizunaConnectionError,
    KizunaError,
    KizunaTimeoutError,
    error_from_response,
    parse_retry_after,
)
from .links import parse_link
from .models import Resource, wrap

__all__ = ["BaseClient", "Paginator", "RateLimit", "API_PREFIX"]

API_PREFIX = "/api/v1"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
R = TypeVar("R", bound=Resource)


@dataclass(frozen=True)
class RateLimit:
    """The `X-RateLimit-*` headers of the last response."""

    limit: int
    remaining: int
    reset: int
    used: int | None = None
    resource: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        try:
            limit = int(headers["X-RateLimit-Limit"])
            remaining = int(headers["X-RateLimit-Remaining"])
            reset = int(headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            return None
        used = headers.get("X-RateLimit-Used")
        return cls(
            limit=limit,
            remaining=remaining,
            reset=reset,
            used=int(used) if used and used.isdigit() else None,
            resource=headers.get("X-RateLimit-Resource"),
        )


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return value


def clean_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _query_value(v) for k, v in (params or {}).items() if v is not None}


class Paginator(Generic[R]):
    """A lazy iterator over every item of a list endpoint, following `Link: rel="next"`.

    Nothing is fetched until iteration starts; each page is fetched when the previous one is used up.
    Iterating again starts again from the first page. `total_count` is `X-Total-Count` once known.
    """

    def __init__(self, client: BaseClient, path: str, params: Mapping[str, Any] | None = None, cls: type[R] = Resource):  # type: ignore[assignment]
        self._client = client
        self._path = path
        self._params = clean_params(params)
        self._cls = cls
        self.total_count: int | None = None

    def pages(self) -> Iterator[list[R]]:
        """Iterate page by page (lists of items)."""
        url: str | None = self._path
        params: dict[str, Any] | None = self._params
        while url is not None:
            response = self._client._send("GET", url, params=params)
            total = response.headers.get("X-Total-Count")
            if total is not None and total.isdigit():
                self.total_count = int(total)
            body = self._client._decode(response)
            if not isinstance(body, list):
                raise KizunaError(
                    f"expected a JSON array from GET {response.request.url}, got {type(body).__name__}",
                    status=response.status_code, code="INVALID_RESPONSE", response=response,
                )
            yield [wrap(item, self._cls) for item in body]
            nxt = parse_link(response.headers.get("Link")).get("next")
            url, params = (self._client._relative(nxt), None) if nxt else (None, None)

    def __iter__(self) -> Iterator[R]:
        for page in self.pages():
            yield from page

    def all(self) -> list[R]:
        """Every item, as a list."""
        return list(self)

    def first(self) -> R | None:
        """The first item, or None (fetches one page)."""
        return next(iter(self), None)

    def __repr__(self) -> str:
        return f"<Paginator GET {self._path} {self._params or ''}>"


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (verification on, certifi's CA bundle, SSL_CERT_FILE/DIR honoured),
    built once per process and shared by every client: loading the CA bundle was ~25 of the ~27 ms a
    client took to build, paid again by every runner thread that starts (a job's first log upload waited
    for it). An SSLContext may be shared across threads."""
    return httpx.create_ssl_context()


class BaseClient:
    """The HTTP side of a client for one Kizuna server (see `KizunaClient`, which adds the resource groups)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 3,
        retry: bool = True,
        max_retry_wait: float = 60.0,
        backoff_factor: float = 0.5,
        user_agent: str | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.strip():
            raise ValueError("base_url is required, e.g. 'https://kizuna.example.com'")
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL such as 'https://kizuna.example.com', got {base_url!r}")
        root = base_url.strip().rstrip("/")
        if root.endswith(API_PREFIX):
            root = root[: -len(API_PREFIX)]
        self.base_url = root
        self.api_url = root + API_PREFIX
        self.token = token
        self.retry = retry
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = float(max_retry_wait)
        self.backoff_factor = float(backoff_factor)
        self.rate_limit: RateLimit | None = None
        self.last_response: httpx.Response | None = None
        # Every deprecation the server announced to this client, first call first (docs/api.md §18).
        self._deprecations: dict[tuple, DeprecationNotice] = {}
        self._sleep: Callable[[float], None] = time.sleep
        default_headers = {
            "Accept": "application/json",
            "User-Agent": user_agent or f"kizuna-sdk-python/{__version__}",
        }
        if token:
            default_headers["Authorization"] = f"Bearer {token}"
        default_headers.update(headers or {})
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._http = httpx.Client(
            base_url=self.api_url, headers=default_headers, timeout=self.timeout,
            follow_redirects=False, transport=transport, verify=shared_tls_context(),
        )
        self._mount()

    def _mount(self) -> None:
        """Attach what a subclass adds on top of the transport (KizunaClient: the resource groups)."""

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"

    @property
    def deprecations(self) -> list[DeprecationNotice]:
        """The deprecations the server announced on this client's calls, each once (each also
        raised a `KizunaDeprecationWarning`, a `DeprecationWarning`)."""
        return list(self._deprecations.values())

    # -- public entry point ---------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        cls: type[Resource] = Resource,
    ) -> Any:
        """Call any endpoint; `path` is relative to `/api/v1` (e.g. "/user").

        Returns a Resource for a JSON object, a tuple of Resources for an array, a str for a text
        body, and None for 204.
        """
        response = self._send(method, path, params=clean_params(params), json=json, content=content, headers=headers)
        return wrap(self._decode(response), cls) if response.status_code != 204 else None

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, cls: type[R] = Resource) -> Paginator[R]:  # type: ignore[assignment]
        """A lazy iterator over every item of the list endpoint at `path`."""
        return Paginator(self, path, params, cls)

    # -- internals ------------------------------------------------------------------------------
    def _relative(self, url: str) -> str:
        """Next-page links are followed on our own base URL (the token never goes to another host)."""
        parts = urlsplit(url)
        path = parts.path
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX):]
        return path + (f"?{parts.query}" if parts.query else "")

    def _url_for(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return self._relative(path)
        return path if path.startswith("/") else "/" + path

    def _wait_for(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when this answer must not be retried."""
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_wait else None
        return min(self.backoff_factor * (2**attempt), self.max_retry_wait)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        method = method.upper()
        url = self._url_for(path)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        attempt = 0
        while True:
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException as exc:
                raise KizunaTimeoutError(
                    f"{method} {self.api_url}{url} timed out ({type(exc).__name__}); the server did not answer in time",
                    code="TIMEOUT",
                ) from exc
            except httpx.HTTPError as exc:
                raise KizunaConnectionError(
                    f"cannot reach Kizuna at {self.base_url} ({type(exc).__name__}: {exc}); check base_url",
                    code="CONNECTION_ERROR",
                ) from exc
            self.last_response = response
            self.rate_limit = RateLimit.from_headers(response.headers) or self.rate_limit
            self._note_deprecation(method, url, response.headers)
            if response.status_code < 400:
                return response
            retryable = response.status_code == 429 or response.status_code >= 500
            if self.retry and retryable and method in IDEMPOTENT and attempt < self.max_retries:
                wait = self._wait_for(response, attempt)
                if wait is not None:
                    response.close()
                    self._sleep(wait)
                    attempt += 1
                    continue
            raise error_from_response(response)

    def _note_deprecation(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Warn once per deprecation the server announces (docs/api.md §18; kizuna_sdk.deprecations)."""
        notice = notice_from_headers(method, path, headers)
        if notice is not None:
            warn_once(self._deprecations, notice)

    def _decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        content_type = response.headers.get("Content-Type", "").lower()
        if "json" in content_type:
            try:
                return response.json()
            except ValueError as exc:
                raise KizunaError(
                    f"invalid JSON from {response.request.method} {response.request.url}",
                    status=response.status_code, code="INVALID_RESPONSE", response=response,
                ) from exc
        if content_type.startswith("text/plain"):
            return response.text
        raise KizunaError(
            f"expected JSON from {response.request.method} {response.request.url}, got "
            f"{content_type or 'no content type'} — is base_url ({self.base_url}) a Kizuna server?",
            status=response.status_code, code="INVALID_RESPONSE", response=response,
        )
