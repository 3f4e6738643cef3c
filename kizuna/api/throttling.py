"""Tiered, fixed-window rate limiting (docs/api.md §5).

Counted atomically in the `ratelimit` cache's store, so the count is exact under concurrency and
shared by every process: on Redis (KIZUNA_REDIS_URL set) by one Lua script per request — INCR, and
the window's expiry on its first request — in one round trip (kizuna/api/counters.py); on any other
cache by `add` + `incr`. DRF's own throttles keep a list of timestamps that races between processes,
so they are not used.
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from rest_framework import exceptions

from kizuna import policy
from kizuna.accounts.principals import principal_kind

from . import counters
from .authentication import bearer_token, resolve_credentials
from .client_address import client_ip

logger = logging.getLogger("kizuna.ratelimit")


@dataclass
class RateLimitState:
    key: str
    limit: int
    used: int
    reset: int
    degraded: bool = False
    counted: bool = True  # False for GET /rate_limit, which reads the count without adding to it

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Used": str(min(self.used, self.limit)),
            "X-RateLimit-Resource": "core",
        }


def identify(request) -> tuple[str, int]:
    """(bucket key, limit per window) for the caller. Bad credentials count against the IP."""
    principal = None
    try:
        creds = resolve_credentials(request)
        principal = creds[0] if creds else None
    except exceptions.APIException:
        principal = None
        if bearer_token(request) is not None:
            return f"ip:{client_ip(request) or 'unknown'}", settings.KIZUNA_RATE_LIMIT_DEFAULT
    if principal is None and bearer_token(request) is None:
        user = getattr(request, "user", None)  # a browser session
        if user is not None and user.is_authenticated:
            principal = user
    kind = principal_kind(principal)
    if kind == "anonymous":
        return f"ip:{client_ip(request) or 'unknown'}", settings.KIZUNA_RATE_LIMIT_DEFAULT
    key = f"token:{principal.token.pk}" if kind == "deploy" else f"{kind}:{principal.pk}"
    internal = policy.is_internal(principal)
    limit = settings.KIZUNA_RATE_LIMIT_INTERNAL if internal else settings.KIZUNA_RATE_LIMIT_AUTHENTICATED
    return key, limit


# The tiers are requests per hour (docs/api.md §5): a fixed part of the contract, not a setting.
WINDOW_SECONDS = 3600

# Paths under /api/ that the rate limiter treats apart (docs/api.md §5): the health check is never
# counted nor refused and reads no credentials (load balancers poll it), its headers showing the
# address's Default tier; GET /rate_limit reads the caller's count without adding to it.
EXEMPT_PATHS = frozenset({"/api/v1/health"})
PEEK_PATHS = frozenset({"/api/v1/rate_limit"})


def _window(key: str) -> tuple[str, int, int]:
    """(counter key, window length, reset epoch) of the current fixed window."""
    window = WINDOW_SECONDS
    now = int(time.time())
    start = now - now % window
    return f"{settings.KIZUNA_RATE_LIMIT_NAMESPACE}:{key}:{start}", window, start + window


def store_down_message() -> str:
    """How a failing counter store is named in the log: "Redis unreachable at <location>" for Redis."""
    cache = caches["ratelimit"]
    if "redis" in type(cache).__module__:
        location = str(settings.CACHES["ratelimit"].get("LOCATION", "?"))
        return f"Redis unreachable at {re.sub(r'//[^@/]*@', '//', location)}"  # no password in the log
    return "rate-limit store unavailable"


def _store_down(what: str, bucket: str, limit: int, reset: int, counted: bool) -> RateLimitState:
    """The counter store is down: fail open, say so in the log (docs/deploy.md). The message names
    the cause plainly, so a test run against a dead KIZUNA_REDIS_URL says why no 429 came."""
    logger.warning("%s: %s; rate limiting is off for this request", store_down_message(), what, exc_info=True)
    return RateLimitState(key=bucket, limit=limit, used=0, reset=reset, degraded=True, counted=counted)


def credentials_rejected(request) -> bool:
    """Whether the request carries a bearer token that authentication refuses (it will answer 401)."""
    try:
        resolve_credentials(request)
    except exceptions.APIException:
        return True
    return False


def hit(key: str, limit: int) -> RateLimitState:
    bucket, window, reset = _window(key)
    try:
        used = counters.for_cache("ratelimit").hit(bucket, window + 60)
    except Exception:
        return _store_down("allowing the request", bucket, limit, reset, counted=True)
    return RateLimitState(key=bucket, limit=limit, used=used, reset=reset)


def peek(key: str, limit: int) -> RateLimitState:
    """The caller's state in the current window without counting a request (GET /rate_limit)."""
    bucket, _, reset = _window(key)
    try:
        used = counters.for_cache("ratelimit").peek(bucket)
    except Exception:
        return _store_down("cannot read the count", bucket, limit, reset, counted=False)
    return RateLimitState(key=bucket, limit=limit, used=used, reset=reset, counted=False)


def undo(state: RateLimitState) -> None:
    """Give back a request that must not count (a 304 answer)."""
    if state.degraded or not state.counted:
        return
    try:
        counters.for_cache("ratelimit").undo(state.key)
    except Exception:
        logger.warning("%s on undo", store_down_message(), exc_info=True)
