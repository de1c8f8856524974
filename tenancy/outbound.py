"""The one door for connections the platform opens to an address a tenant typed (webhooks, IMAP).

Without it, anyone with an admin role could make our servers probe the internal network (SSRF): a webhook URL or
an IMAP host of `127.0.0.1`, `169.254.169.254` (cloud metadata) or `10.0.0.1` would be called from inside. So:

- `check_host` looks at a host as typed, without DNS (it runs inside a request's transaction): IP literals in
  any spelling (`[::ffff:127.0.0.1]`, `[64:ff9b::7f00:1]`, `2130706433`, `127.1`) and local names are refused;
- `open_connection` resolves the name when connecting, refuses it if ANY of its addresses is not public, and
  connects to one of the checked addresses itself, so the check and the connection see the same address (a DNS
  answer that changes in between, rebinding, cannot send us elsewhere). TLS still verifies the certificate
  against the host name: wrap the returned socket with `server_hostname=host`.

The operator can allow private networks (OUTBOUND_ALLOW_PRIVATE_NETWORKS, formerly
WEBHOOKS_ALLOW_PRIVATE_NETWORKS) for receivers on its own network; the demo and the tests do, production does not.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import unicodedata

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_HOST_LENGTH = 253
# Names that always mean this machine or the internal network, whatever DNS says.
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".arpa")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry an IPv4 address in their last 32 bits; the IPv4 address decides.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: reaches the embedded IPv4 address
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated, yet some stacks still route ::127.0.0.1
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
_CARRIES_IPV4 = (_NAT64_WELL_KNOWN, _IPV4_COMPATIBLE, _IPV4_MAPPED, _IPV4_TRANSLATED)
# RFC 8215: NAT64 for one operator's own network, in whatever layout it chose: never a public destination.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# Not globally reachable (IANA special-purpose registries), named here too because the standard library's table
# differs between Python versions (3.11 takes 192.0.0.8 and 3fff::1 for global addresses).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "240.0.0.0/4",
        "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10",
    )
)  # fmt: skip


class OutboundRefused(ValueError):
    """A destination the platform will not connect to; the message says why, for the admin who typed it."""


def allows_private_networks() -> bool:
    return bool(settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS)


def is_public_address(address: Address) -> bool:
    """Globally routable unicast: not loopback, private, link-local, site-local, shared (100.64/10), reserved,
    unspecified or multicast, nor an IPv6 address that carries (NAT64, mapped, compatible, 6to4, Teredo) one."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.packed)  # without a %scope
        if address in _NAT64_LOCAL:
            return False
        if any(address in network for network in _CARRIES_IPV4):
            return is_public_address(ipaddress.IPv4Address(address.packed[-4:]))
        if address.sixtofour is not None:
            # 6to4 reaches the IPv4 address it carries; Python's own tables for 2002::/16 differ between 3.11
            # patch releases (3.11.2 calls all of it non-global), so the embedded address decides here.
            return is_public_address(address.sixtofour)
        if any(not is_public_address(inner) for inner in address.teredo or ()):
            return False
        if address.is_site_local:
            return False
    if any(address in network for network in _NOT_PUBLIC if network.version == address.version):
        return False
    return (
        address.is_global
        and not address.is_private
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
    )


def has_control_characters(text: str) -> bool:
    """C0 and C1 controls, DEL, and the Unicode line and paragraph separators."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def ip_literal(host: str) -> Address | None:
    """The address a host string spells, in any form a resolver would take without DNS, or None for a name.

    `127.1`, `2130706433` and `0x7f.1` are IPv4 to the C resolver (inet_aton); `[::1]` is IPv6 in a URL."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, ValueError):
        return None


def check_host(host: str) -> str:
    """Check a host as typed and return it in normal form (lower case, IDNA, no trailing dot); no DNS.

    Raises OutboundRefused with the reason. With private networks allowed, only the form is checked.
    """
    host = (host or "").strip()
    if not host:
        raise OutboundRefused("Give a host name, e.g. mail.example.com.")
    if has_control_characters(host) or any(ch.isspace() for ch in host):
        raise OutboundRefused("The host name may not contain spaces, line breaks or control characters.")
    literal = ip_literal(host)
    if literal is not None:
        if not allows_private_networks() and not is_public_address(literal):
            raise OutboundRefused("The host is a private or local address; use a public host name.")
        return str(literal)
    host = host.rstrip(".").lower()
    if ":" in host or "/" in host or "@" in host:
        raise OutboundRefused("Give the host name alone (no port, path or user name), e.g. mail.example.com.")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as bad:
        raise OutboundRefused("The host name is not valid.") from bad
    if not ascii_host or len(ascii_host) > MAX_HOST_LENGTH:
        raise OutboundRefused("The host name is not valid.")
    if not allows_private_networks() and (
        ascii_host in LOCAL_NAMES or ascii_host.endswith(LOCAL_SUFFIXES) or "." not in ascii_host
    ):
        raise OutboundRefused("The host is a local host name; use a public host name.")
    return ascii_host


def resolve(host: str, port: int) -> list[str]:
    """The addresses to connect to, in the resolver's order; every one must be public unless private networks
    are allowed (a name that also resolves to an internal address is refused whole).

    Raises OutboundRefused for a refused address and OSError (socket.gaierror) when the name does not resolve.
    """
    literal = ip_literal(host)
    name = str(literal) if literal is not None else host
    infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    if not allows_private_networks():
        refused = [a for a in addresses if not is_public_address(ipaddress.ip_address(a.split("%", 1)[0]))]
        if refused:
            # The address goes to the log only: telling the admin would turn this into an internal DNS oracle.
            logger.warning("Outbound connection to %s refused: it resolves to %s", host, refused[0])
            raise OutboundRefused(f"{host} resolves to a private or local address; not connected.")
    return addresses


def open_connection(host: str, port: int, *, connect_timeout: float, timeout: float | None = None) -> socket.socket:
    """A TCP connection to a checked address of `host` (the first that answers), with `timeout` for reads.

    Raises OutboundRefused (a refused address) or OSError (DNS, refused, unreachable, timed out).
    """
    last_error: OSError | None = None
    for address in resolve(host, port):
        try:
            sock = socket.create_connection((address, port), connect_timeout)
        except OSError as failed:  # try the host's next address
            last_error = failed
            continue
        sock.settimeout(connect_timeout if timeout is None else timeout)
        return sock
    raise last_error or OSError(f"Could not connect to {host}")
