"""SSRF protection for webhook targets (docs/api.md §12).

The host is resolved once; every address it resolves to must be public; the connection then goes to
that address (no second lookup, so DNS rebinding cannot swap it), with the original Host header and
TLS server name. Checked at create/update time and again at every delivery.
`KIZUNA_WEBHOOK_ALLOW_PRIVATE=true` lifts the address check (local development, tests).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeTarget(ValueError):
    """The URL is not an http(s) URL, does not resolve, or resolves to a non-public address."""


# Ranges Python's `is_global` still counts as global, or that deserve an explicit refusal.
_EXTRA_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
        "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "fc00::/7",
        "fe80::/10", "fec0::/10", "ff00::/8",
    )
]


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address may not be a webhook target, or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or (ip.sixtofour if ip in ipaddress.ip_network("2002::/16") else None)
        if mapped is not None:
            return address_problem(mapped)
        if ip.teredo:
            return "a Teredo address"
        # IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4 address.
        if int(ip) >> 32 == 0 and int(ip) > 1:
            return address_problem(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    for attr, label in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return f"a {label} address"
    if any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version):
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (no brackets)
    port: int
    address: str  # the one resolved address the connection goes to
    path: str  # path + query

    @property
    def netloc_for_address(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def address_url(self) -> str:
        return f"{self.scheme}://{self.netloc_for_address}{self.path}"


def check_url_syntax(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UnsafeTarget(f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeTarget("must be an http or https URL")
    if not parts.hostname:
        raise UnsafeTarget("must include a host")
    if any(c in url for c in "\r\n\t ") :
        raise UnsafeTarget("may not contain whitespace")


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Validate `url` and resolve its host once; raise UnsafeTarget unless every address is allowed."""
    check_url_syntax(url)
    if allow_private is None:
        allow_private = settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased, brackets stripped
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeTarget(f"host '{host}' does not resolve") from None
    addresses: list[str] = []
    for info in infos:
        addr = info[4][0].split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        raise UnsafeTarget(f"host '{host}' does not resolve")
    if not allow_private:
        for addr in addresses:
            problem = address_problem(ipaddress.ip_address(addr))
            if problem:
                raise UnsafeTarget(
                    f"host '{host}' resolves to {addr}, {problem}; a server that must reach such targets "
                    "(local development, a private network) sets KIZUNA_WEBHOOK_ALLOW_PRIVATE=true"
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
