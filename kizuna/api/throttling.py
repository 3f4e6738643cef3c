"""Tiered, fixed-window rate limiting (API.md §5).

Counted with an atomic `add` + `incr` on the `ratelimit` cache (Redis when KIZUNA_REDIS_URL is set),
so the count is exact under concurrency and shared by every process. DRF's own throttles keep a list
of timestamps that races between processes, so they are not used.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from rest_framework import exceptions

from kizuna import policy
from kizuna.accounts.principals import principal_kind

from .authentication import bearer_token, resolve_credentials

logger = logging.getLogger("kizuna.ratelimit")


@dataclass
class RateLimitState:
    key: str
    limit: int
    used: int
    reset: int
    degraded: bool = False

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


def client_ip(request) -> str:
    """The caller's address. `X-Forwarded-For` counts only when the peer is a trusted proxy
    (KIZUNA_TRUSTED_PROXIES): then the right-most address that is not itself a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    trusted = settings.KIZUNA_TRUSTED_PROXIES
    if not trusted or remote not in trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return remote


def identify(request) -> tuple[str, int]:
    """(bucket key, limit per window) for the caller. Bad credentials count against the IP."""
    principal = None
    try:
        creds = resolve_credentials(request)
        principal = creds[0] if creds else None
    except exceptions.APIException:
        principal = None
        if bearer_token(request) is not None:
            return f"ip:{client_ip(request)}", settings.KIZUNA_RATE_LIMIT_DEFAULT
    if principal is None and bearer_token(request) is None:
        user = getattr(request, "user", None)  # a browser session
        if user is not None and user.is_authenticated:
            principal = user
    kind = principal_kind(principal)
    if kind == "anonymous":
        return f"ip:{client_ip(request)}", settings.KIZUNA_RATE_LIMIT_DEFAULT
    key = f"token:{principal.token.pk}" if kind == "deploy" else f"{kind}:{principal.pk}"
    internal = policy.is_internal(principal)
    limit = settings.KIZUNA_RATE_LIMIT_INTERNAL if internal else settings.KIZUNA_RATE_LIMIT_AUTHENTICATED
    return key, limit


def hit(key: str, limit: int) -> RateLimitState:
    window = settings.KIZUNA_RATE_LIMIT_WINDOW_SECONDS
    now = int(time.time())
    start = now - now % window
    reset = start + window
    bucket = f"{settings.KIZUNA_RATE_LIMIT_NAMESPACE}:{key}:{start}"
    cache = caches["ratelimit"]
    try:
        cache.add(bucket, 0, timeout=window + 60)
        used = cache.incr(bucket)
    except Exception:  # the counter store is down: fail open, say so in the log (docs/deploy.md)
        logger.warning("rate-limit store unavailable; allowing request", exc_info=True)
        return RateLimitState(key=bucket, limit=limit, used=0, reset=reset, degraded=True)
    return RateLimitState(key=bucket, limit=limit, used=used, reset=reset)


def undo(state: RateLimitState) -> None:
    """Give back a request that must not count (a 304 answer)."""
    if state.degraded:
        return
    try:
        caches["ratelimit"].decr(state.key)
    except Exception:
        logger.warning("rate-limit store unavailable on undo", exc_info=True)
