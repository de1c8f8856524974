"""The client's network address, for rate limits and logs."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Behind our reverse proxy (BEHIND_PROXY), the address the proxy appended last to X-Forwarded-For: the
    client can put anything in front of it, so never the first. Else (or if that is not an address) REMOTE_ADDR."""
    last = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return request.META.get("REMOTE_ADDR", "")


def remote_addr(request: HttpRequest) -> str:
    """The peer's address, for when no proxy of ours stands in front (X-Forwarded-For is then the client's word)."""
    return request.META.get("REMOTE_ADDR", "")
