"""IMAP polling: unseen mail of a tenant's mailbox goes through the same intake as the HTTP endpoint.

A message is marked \\Seen only once the intake has stored it, so a crash or an outage between fetching and
storing leaves it unseen for the next poll; one stored twice is taken once (its Message-ID). No database
transaction is held open while talking to the server.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from tenancy import outbound
from tickets.mail.intake import ingest
from tickets.models import ImapMailbox, InboundEmail

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
CONNECT_SECONDS = 10
MAX_MESSAGES_PER_POLL = 50
LOCK_SECONDS = 10 * 60  # one poll of a mailbox at a time; a crashed one frees it after this


# What the admin reads as the mailbox's last error: our words for what went wrong, never the server's own bytes
# (whatever answers at a typed host and port could be anything, and its banner is not the admin's to read).
UNRESOLVED = "Could not resolve the host: check the server name."
CONNECTION_REFUSED = "Connection refused: the server refused the connection (host or port wrong?)."
TIMED_OUT = "Timed out: the server did not answer in time."
TLS_FAILED = "TLS failed: no trusted encrypted connection to this host name (its certificate, or no TLS on this port)."
NOT_IMAP = "Not an IMAP server: what answers at this host and port does not speak IMAP."
LOGIN_REJECTED = "Login rejected: the server refused the user name and password."
FOLDER_NOT_FOUND = "Folder not found: the server has no folder by that name."
PRIVATE_ADDRESS = "Refused: private or loopback address. The mail server must be on a public address."
CONNECT_FAILED = "Could not connect to the server."
PROTOCOL_ERROR = "The server broke off the session (an IMAP protocol error); the next poll tries again."
UNSENDABLE = "The settings hold characters the IMAP sign-in cannot send: edit the mailbox."
NOT_STORED = "Mail was fetched but could not be stored; it stays unseen and is fetched again."


class ImapError(Exception):
    """A step failed; the message (one of the above) is shown to the tenant admin as the mailbox's last error."""


class _PinnedIMAP4(imaplib.IMAP4):
    """imaplib resolves the host itself; this one connects through tenancy.outbound instead, to the address it
    checked (so a name that resolves to loopback or the metadata address is refused when connecting)."""

    def _create_socket(self, timeout):
        return outbound.open_connection(self.host, self.port, connect_timeout=CONNECT_SECONDS, timeout=timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        sock = outbound.open_connection(self.host, self.port, connect_timeout=CONNECT_SECONDS, timeout=timeout)
        try:
            # The checked address is pinned; the certificate is still verified against the name typed.
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def connect(mailbox: ImapMailbox) -> imaplib.IMAP4:
    """A session with the mailbox's server, greeting read; raises ImapError with a classified message."""
    try:
        if mailbox.use_ssl:
            context = ssl.create_default_context()  # imaplib's own default verifies nothing
            return _PinnedIMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT_SECONDS)
        return _PinnedIMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    except imaplib.IMAP4.error as failure:  # a greeting that is not IMAP ("unexpected response: b'220 …'")
        raise ImapError(NOT_IMAP) from failure
    except (OSError, ValueError) as failure:
        raise ImapError(_classify(failure)) from failure


def poll_mailbox(*, mailbox_id: int) -> int:
    """Fetch the mailbox's unseen messages (up to a batch), ingest each, mark it seen; return how many were
    taken. The outcome (time, and the error or none) is recorded on the mailbox."""
    mailbox = ImapMailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    lock = f"imap-poll:{mailbox_id}"
    if mailbox is None or not cache.add(lock, 1, timeout=LOCK_SECONDS):
        return 0
    taken = 0
    error = ""
    try:
        taken = _fetch(mailbox)
    # UnicodeError: a field imaplib cannot send as ASCII (saved before that was refused). Not ValueError at large,
    # which would hide a fault of the intake behind a connection message.
    except (imaplib.IMAP4.error, ImapError, OSError, UnicodeError, DatabaseError) as failure:
        error = _describe(failure)
        cause = failure.__cause__ or failure
        logger.warning("IMAP polling of mailbox #%s failed: %s (%s)", mailbox.pk, error, type(cause).__name__)
    finally:
        cache.delete(lock)
    ImapMailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:1000])
    return taken


def _fetch(mailbox: ImapMailbox) -> int:
    fields = (mailbox.host, mailbox.username, mailbox.password, mailbox.folder)
    if any(outbound.has_control_characters(field) for field in fields):  # saved before they were refused
        raise ImapError(UNSENDABLE)
    client = connect(mailbox)
    taken = 0
    try:
        _login(client, mailbox)
        typ, _ = client.select(_quoted(mailbox.folder))
        if typ != "OK":
            raise ImapError(FOLDER_NOT_FOUND)
        typ, data = client.uid("SEARCH", None, "UNSEEN")
        _ok((typ, data), "Search for unseen mail failed")
        uids = (data[0] or b"").split()[:MAX_MESSAGES_PER_POLL]
        for uid in uids:
            raw = _message_bytes(client, uid)
            if raw is None:
                continue
            ingest(raw, source=InboundEmail.Source.IMAP, mailbox=mailbox)  # its trusted authserv-ids apply
            taken += 1
            # Only now: the message is stored (or was already), so seeing it can never lose it.
            _ok(client.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "Could not mark a message as seen")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return taken


def _message_bytes(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    typ, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    _ok((typ, data), "Could not fetch a message")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _login(client: imaplib.IMAP4, mailbox: ImapMailbox) -> None:
    try:
        # imaplib quotes the password but sends the user name as is: quoted here, so a space cannot split it.
        client.login(_quoted(mailbox.username), mailbox.password)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as refused:
        raise ImapError(LOGIN_REJECTED) from refused


def _ok(answer, what: str) -> None:
    typ, _ = answer
    if typ != "OK":
        raise ImapError(f"{what}.")


def _quoted(folder: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'


def _describe(failure: Exception) -> str:
    if isinstance(failure, ImapError):
        return str(failure)
    if isinstance(failure, DatabaseError):
        return NOT_STORED
    if isinstance(failure, imaplib.IMAP4.error):
        return PROTOCOL_ERROR
    return _classify(failure)


def _classify(failure: Exception) -> str:
    """Our words for a network failure (never str(failure): an SSL or IMAP error may quote the peer)."""
    if isinstance(failure, outbound.OutboundRefused):
        return PRIVATE_ADDRESS
    if isinstance(failure, socket.gaierror):
        return UNRESOLVED
    if isinstance(failure, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(failure, TimeoutError):
        return TIMED_OUT
    if isinstance(failure, ssl.SSLError | ssl.CertificateError):
        return TLS_FAILED
    if isinstance(failure, UnicodeError):  # a name IDNA cannot encode, or a field imaplib cannot send as ASCII
        return UNSENDABLE
    return CONNECT_FAILED
