"""tenancy.outbound, the one door for connections to addresses tenants type: which addresses are public, what a
typed host may be, and that a connection goes to the checked address. Only 127.0.0.1 is ever connected to."""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest

from tenancy import outbound

INTERNAL = [
    "127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",  # noqa: S104
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::a9fe:a9fe", "::ffff:0:7f00:1",
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "64:ff9b:1::808:808",
    "2002:7f00:1::1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:db8::1",
    "3fff::1", "5f00::1", "100::1", "192.0.2.1", "203.0.113.9",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.fixture
def guard_on(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_public(address):
    assert not outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address):
    assert outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "[::1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[64:ff9b:1::a00:1]", "[::ffff:127.0.0.1]",
     "127.1", "2130706433", "0x7f000001", "017700000001", "10.1", "169.254.169.254"],
)  # fmt: skip
def test_check_host_refuses_internal_addresses_in_any_spelling(guard_on, host):
    with pytest.raises(outbound.OutboundRefused, match="private or local address"):
        outbound.check_host(host)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "db.internal", "printer.local", "intranet", "x.home.arpa"])
def test_check_host_refuses_local_names(guard_on, host):
    with pytest.raises(outbound.OutboundRefused, match="local host name"):
        outbound.check_host(host)


@pytest.mark.parametrize(
    ("host", "reason"),
    [("", "Give a host name"), ("imap.example.com:993", "no port"), ("a\r\nb.example.com", "control characters"),
     ("a b.example.com", "spaces"), (f"{'a' * 64}.example.com", "not valid")],
)  # fmt: skip
def test_check_host_refuses_malformed_hosts_even_when_private_networks_are_allowed(host, reason):
    with pytest.raises(outbound.OutboundRefused, match=reason):
        outbound.check_host(host)


def test_check_host_returns_the_normal_form(guard_on):
    assert outbound.check_host(" IMAP.Example.COM. ") == "imap.example.com"
    assert outbound.check_host("bücher.example") == "xn--bcher-kva.example"
    assert outbound.check_host("[2606:4700:4700::1111]") == "2606:4700:4700::1111"


def test_a_name_that_resolves_to_loopback_is_refused_at_connect(guard_on):
    # given something listening on 127.0.0.1
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        # when a connection to a name resolving there is asked for, then it is refused before any connect
        with pytest.raises(outbound.OutboundRefused, match="resolves to a private or local address"):
            outbound.open_connection("localhost", port, connect_timeout=2)
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()


def test_the_connection_goes_to_the_checked_address(settings):
    # given private networks allowed (the operator's own network) and a listener on 127.0.0.1
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
    accepted = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]))
        thread.start()
        # when
        with outbound.open_connection("localhost", port, connect_timeout=2, timeout=3) as sock:
            # then it is connected to the address the name resolved to, with the read timeout set
            assert sock.getpeername() == ("127.0.0.1", port)
            assert sock.gettimeout() == 3
        thread.join(2)
    for conn in accepted:
        conn.close()
