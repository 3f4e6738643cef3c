"""THE client address of a request — the one answer used by the rate limiter, the sign-in throttle
(django-axes: AXES_CLIENT_IP_CALLABLE), the per-caller stream cap and git's hooks.

`X-Forwarded-For` counts only when the peer is a trusted proxy (KIZUNA_TRUSTED_PROXIES: addresses or
networks such as `10.0.0.0/8`): then the right-most hop that is not itself a trusted proxy. Anything
else a client sends is ignored. The server in front must not rewrite the peer address itself from
proxy headers it trusts on its own terms: `make run` starts uvicorn with `--no-proxy-headers`, and
docs/deploy.md gives uvicorn and gunicorn `--forwarded-allow-ips` equal to KIZUNA_TRUSTED_PROXIES.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]):
    networks = []
    for entry in trusted:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # not an address: never matches
    return tuple(networks)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    if not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The caller's address (see the module's docstring), or None when the peer has none (a request
    made in-process, a Unix socket): callers key such requests together (`or "unknown"`)."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = tuple(settings.KIZUNA_TRUSTED_PROXIES)
    if not _is_trusted(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            # A hop that is not an address (a client's garbage behind a proxy that appends) is refused
            # as a bucket key: the proxy's own view, the peer, is used instead.
            return _address(hop) or remote
    return remote
