"""Where webhooks may point: HTTPS, and (through tenancy.outbound) public addresses unless the installation
allows more.

A webhook URL is typed by a tenant admin, and our servers call it. The URL is checked when it is saved (scheme,
user info, and the host as typed: IP literals and local names), and at every delivery the connection goes
through `tenancy.outbound`, which resolves the host again and connects to the address it checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from tenancy.outbound import OutboundRefused, check_host
from tickets.errors import TicketError

MAX_URL_LENGTH = 500


class TargetRefused(TicketError, OutboundRefused):
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
        check_host(host)
    except OutboundRefused as refused:
        raise TargetRefused(str(refused)) from refused
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)
