"""IMAP settings are no port scanner: internal targets and host:port refused at save, a name that resolves to
loopback refused when connecting, control characters refused in every field, and the admin reads a classified
error, never what the peer sent. Servers run on 127.0.0.1 only; no test sends a packet anywhere else."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.tickets.factories import ImapMailboxFactory, SupportAddressFactory
from tests.tickets.imap_server import ImapServer, Mailbox
from tests.tickets.mail_samples import build
from tickets.mail import imap
from tickets.models import ImapMailbox, Ticket
from tickets.services import imap_mailboxes
from tickets.services.events import ServiceError
from tickets.tasks import poll_imap_mailbox_task

LIST = "/desk/settings/email/imap/"
GOOD = {"host": "imap.example.com", "port": "993", "use_ssl": "on", "username": "help@acme.example",
        "password": "app-password", "folder": "INBOX"}  # fmt: skip


@pytest.fixture
def guard_on(settings):
    """Production: connections to private networks refused (the rest of the suite allows them)."""
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False


def _mailboxes(tenant) -> list[ImapMailbox]:
    with tenant_context(tenant):
        return list(ImapMailbox.objects.order_by("id"))


def _poll(tenant, mailbox: ImapMailbox) -> ImapMailbox:
    poll_imap_mailbox_task.delay(tenant_id=tenant.pk, mailbox_id=mailbox.pk).get()
    with tenant_context(tenant):
        return ImapMailbox.objects.get(pk=mailbox.pk)


class BannerServer:
    """A TCP server on 127.0.0.1 that is not IMAP: it sends a banner (an internal service's) and hangs up."""

    BANNER = b"220 internal-redis-admin.corp.example ESMTP secret-build-7f3a ready\r\n"

    def __init__(self) -> None:
        banner = self.BANNER

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.sendall(banner)
                self.request.settimeout(2)
                with contextlib.suppress(OSError):
                    while self.request.recv(4096):  # until the client hangs up: it never writes to a closed socket
                        pass

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self) -> BannerServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- At save --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port"),
    [("127.0.0.1", "8125"), ("169.254.169.254", "80"), ("10.0.0.1", "143"), ("localhost", "143"),
     ("::ffff:127.0.0.1", "143"), ("64:ff9b::a9fe:a9fe", "80"), ("127.1", "6379")],
    ids=["loopback", "metadata", "private", "localhost", "mapped-loopback", "nat64-metadata", "short-loopback"],
)  # fmt: skip
def test_add_mailbox_refuses_internal_targets(tenant, admin, guard_on, host, port):
    # when an admin points a mailbox at an internal service
    response = host_client(tenant, admin).post(LIST, {**GOOD, "host": host, "port": port})

    # then it is refused with the reason, and nothing is saved (so nothing will ever connect there)
    assert response.status_code == 400
    html = response.content.decode()
    assert "private or local address" in html or "local host name" in html
    assert "public addresses" in html
    assert _mailboxes(tenant) == []


def test_edit_mailbox_refuses_an_internal_target(tenant, admin, guard_on):
    # given a mailbox on a public server
    mailbox = ImapMailboxFactory(tenant=tenant, host="imap.example.com")

    # when the admin points it at the metadata address
    response = host_client(tenant, admin).post(
        f"{LIST}{mailbox.pk}/", {**GOOD, "host": "169.254.169.254", "port": "80", "is_active": "on"}
    )

    # then it keeps pointing where it did
    assert response.status_code == 400 and "private or local address" in response.content.decode()
    assert [m.host for m in _mailboxes(tenant)] == ["imap.example.com"]


def test_add_mailbox_refuses_a_port_in_the_host_name(tenant, admin):
    # when the host field carries a port (private networks allowed: only the form is wrong)
    response = host_client(tenant, admin).post(LIST, {**GOOD, "host": "127.0.0.1:8125"})

    # then the admin is told to use the port field
    assert response.status_code == 400
    assert "port in the port field" in response.content.decode()
    assert _mailboxes(tenant) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "user\r\nX1 DELETE INBOX"), ("password", "pw\r\nX1 DELETE INBOX"),
     ("folder", "INBOX\r\nX1 DELETE INBOX"), ("host", "imap.example.com\r\nX1"), ("username", "user\x85x"),
     ("folder", "IN\x1bBOX")],
    ids=["user-crlf", "password-crlf", "folder-crlf", "host-crlf", "user-c1", "folder-escape"],
)  # fmt: skip
def test_control_characters_are_refused_by_the_form(tenant, admin, field, value):
    # when
    response = host_client(tenant, admin).post(LIST, {**GOOD, field: value})

    # then
    assert response.status_code == 400
    assert "No line breaks or other control characters here." in response.content.decode()
    assert _mailboxes(tenant) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "user\r\nX1 DELETE INBOX"), ("password", "pw\r\nX1 DELETE INBOX"),
     ("folder", "INBOX\r\nX1 DELETE INBOX"), ("host", "imap.example.com\r\nX1"), ("password", "pw\x00")],
    ids=["user-crlf", "password-crlf", "folder-crlf", "host-crlf", "password-nul"],
)  # fmt: skip
def test_control_characters_are_refused_by_the_service(tenant, admin, field, value):
    # given what the form would have stopped, handed to the service directly (an API, a script)
    values = {"host": "imap.example.com", "port": 993, "use_ssl": True, "username": "help@acme.example",
              "password": "app-password", "folder": "INBOX", field: value}  # fmt: skip
    mailbox = ImapMailboxFactory(tenant=tenant, host="imap.example.com")

    with tenant_context(tenant):
        # when / then: adding and changing are both refused
        with pytest.raises(ServiceError, match="may not contain line breaks or other control characters"):
            imap_mailboxes.add_imap_mailbox(actor=admin, **values)
        with pytest.raises(ServiceError, match="may not contain line breaks or other control characters"):
            imap_mailboxes.update_imap_mailbox(actor=admin, mailbox=mailbox, is_active=True, **values)
    assert len(_mailboxes(tenant)) == 1


# --- When connecting ------------------------------------------------------------------------------------------


def test_a_host_name_that_resolves_to_loopback_is_refused_when_connecting(tenant, desk, guard_on):
    # given an IMAP server on 127.0.0.1 with mail waiting, and a mailbox whose host NAME resolves there
    # (saved directly: what the save-time check cannot see is where a name resolves)
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    box = Mailbox()
    box.add(build(subject="Should stay unread"))
    with ImapServer(box) as server:
        mailbox = ImapMailboxFactory(tenant=tenant, host="localhost", port=server.port, use_ssl=False,
                                     username=box.username, password=box.password)  # fmt: skip

        # when the mailbox is polled
        polled = _poll(tenant, mailbox)

    # then no session was opened and the admin reads why
    assert box.commands == []
    assert box.unseen() == [1]
    assert polled.last_error == imap.PRIVATE_ADDRESS
    with tenant_context(tenant):
        assert not Ticket.objects.exists()


def test_a_user_name_with_crlf_saved_earlier_sends_no_second_command(tenant, desk):
    # given a mailbox stored before control characters were refused, whose user name smuggles a command
    box = Mailbox()
    box.add(build())
    with ImapServer(box) as server:
        smuggling = "inbox@acme.example\r\nX1 DELETE INBOX"
        mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=False,
                                     username=smuggling, password=box.password)  # fmt: skip

        # when it is polled
        polled = _poll(tenant, mailbox)

    # then nothing was sent at all, and the admin is told to fix the settings
    assert not any(command.startswith("DELETE") for command in box.commands)
    assert box.commands == []
    assert polled.last_error == imap.UNSENDABLE


def test_a_service_that_is_not_imap_gets_a_classified_error_and_its_banner_is_never_shown(tenant, admin):
    # given something that is not an IMAP server on a port of this machine (loopback allowed here, as for an
    # operator's own network) and a mailbox pointing at it
    with BannerServer() as server:
        mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=False)

        # when it is polled
        polled = _poll(tenant, mailbox)

    # then the admin reads what went wrong in our words, and nothing the peer sent
    assert polled.last_error == imap.NOT_IMAP
    html = host_client(tenant, admin).get(LIST).content.decode()
    assert imap.NOT_IMAP in html
    for leaked in ("internal-redis-admin", "secret-build-7f3a", "220 ", "unexpected response"):
        assert leaked not in polled.last_error and leaked not in html


def test_a_closed_port_reads_connection_refused(tenant):
    # given a port on this machine where nothing listens
    with BannerServer() as server:
        port = server.port
    mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=port, use_ssl=False)

    # when / then
    assert _poll(tenant, mailbox).last_error == imap.CONNECTION_REFUSED


def test_tls_to_a_server_without_tls_reads_tls_failed(tenant):
    # given a plain-text service, and a mailbox that expects TLS there
    with BannerServer() as server:
        mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=True)

        # when / then
        assert _poll(tenant, mailbox).last_error == imap.TLS_FAILED


def test_a_wrong_folder_reads_folder_not_found(tenant, desk):
    # given
    box = Mailbox()
    with ImapServer(box) as server:
        mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=False,
                                     username=box.username, password=box.password, folder="Nope")  # fmt: skip

        # when / then
        assert _poll(tenant, mailbox).last_error == imap.FOLDER_NOT_FOUND


@pytest.mark.parametrize(
    ("failure", "message"),
    [(socket.gaierror(socket.EAI_NONAME, "Name or service not known"), imap.UNRESOLVED),
     (TimeoutError("timed out"), imap.TIMED_OUT),
     (ssl.SSLCertVerificationError("certificate verify failed: b'220 internal-redis-admin'"), imap.TLS_FAILED),
     (OSError("b'220 internal-redis-admin'"), imap.CONNECT_FAILED)],
    ids=["dns", "timeout", "certificate", "other"],
)  # fmt: skip
def test_failures_without_a_local_stand_in_are_classified_in_our_words(failure, message):
    # (no DNS query or remote host is needed to see how these read: the test sends nothing anywhere)
    assert imap._describe(failure) == message


def test_a_password_imap_sign_in_cannot_send_is_refused_at_save(tenant, admin):
    # when (imaplib sends LOGIN as ASCII: a non-ASCII password would fail at every poll instead)
    response = host_client(tenant, admin).post(LIST, {**GOOD, "password": "pässword"})

    # then
    assert response.status_code == 400 and "plain ASCII" in response.content.decode()
    assert _mailboxes(tenant) == []
