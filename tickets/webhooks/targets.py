"""Where webhooks may point: HTTPS on public addresses, unless the installation allows more.

A webhook URL is typed by a tenant admin, and our servers call it: without these checks it would let anyone
with an admin role probe the internal network (SSRF). The URL is checked when it is saved (scheme, host, and
IP literals) and the host is resolved again at every delivery, whose connection then goes to the checked
address, so a DNS answer that changes in between (rebinding) cannot send us elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from tickets.errors import TicketError

MAX_URL_LENGTH = 500
# Names that always mean this machine or the internal network, whatever DNS says.
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


class TargetRefused(TicketError):
    """A webhook URL we will not call; the message says why, for the admin who typed it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


def parse_target(url: str) -> Target:
    """Check a URL as typed (no DNS: this runs inside the request's transaction) and split it."""
    url = (url or "").strip()
    if not url:
        raise TargetRefused("Enter the URL that should receive the events.")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is too long (at most {MAX_URL_LENGTH} characters).")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise TargetRefused("The URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as bad:
        raise TargetRefused("This is not a valid URL.") from bad
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("The URL must start with https://.")
    if scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise TargetRefused("Use an https:// URL: events are only sent over an encrypted connection.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Put no user name or password in the URL; check the signature header instead.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("The URL has no host name.")
    try:
        host.encode("idna")
    except UnicodeError as bad:
        raise TargetRefused("The host name is not valid.") from bad
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        literal = _ip_or_none(host)
        if literal is not None and not is_public_address(literal):
            raise TargetRefused("The URL points at a private or local address; use a public host name.")
        if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES) or ("." not in host and literal is None):
            raise TargetRefused("The URL points at a local host name; use a public host name.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def resolve_target(target: Target) -> list[str]:
    """The addresses to connect to; all of them must be public unless private networks are allowed.

    Raises TargetRefused for a refused address and OSError when the name does not resolve.
    """
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OSError(f"{target.host} has no address")
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        refused = [a for a in addresses if not is_public_address(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise TargetRefused(f"{target.host} resolves to a private or local address ({refused[0]}); not sent.")
    return addresses


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: not loopback, private, link-local, shared (CGNAT), reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public_address(mapped)
    return address.is_global and not address.is_multicast


def _ip_or_none(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
