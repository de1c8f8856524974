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

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from tickets.mail.intake import ingest
from tickets.models import ImapMailbox, InboundEmail

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
MAX_MESSAGES_PER_POLL = 50
LOCK_SECONDS = 10 * 60  # one poll of a mailbox at a time; a crashed one frees it after this


class ImapError(Exception):
    """The server refused something; the message is shown to the tenant admin as the mailbox's last error."""


def connect(mailbox: ImapMailbox) -> imaplib.IMAP4:
    if mailbox.use_ssl:
        return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)


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
    except (imaplib.IMAP4.error, ImapError, OSError, DatabaseError) as failure:
        error = _describe(failure)
        logger.warning("IMAP polling of mailbox #%s failed: %s", mailbox.pk, error)
    finally:
        cache.delete(lock)
    ImapMailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:1000])
    return taken


def _fetch(mailbox: ImapMailbox) -> int:
    client = connect(mailbox)
    taken = 0
    try:
        _ok(client.login(mailbox.username, mailbox.password), "Sign-in refused")
        _ok(client.select(_quoted(mailbox.folder)), f"Cannot open the folder “{mailbox.folder}”")
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


def _ok(answer, what: str) -> None:
    typ, data = answer
    if typ != "OK":
        detail = b" ".join(d for d in (data or []) if isinstance(d, bytes)).decode("utf-8", "replace")
        raise ImapError(f"{what}: {detail}".strip(": "))


def _quoted(folder: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'


def _describe(failure: Exception) -> str:
    if isinstance(failure, TimeoutError):
        return "The server did not answer in time."
    if isinstance(failure, ConnectionRefusedError):
        return "The server refused the connection (host or port wrong?)."
    if isinstance(failure, imaplib.IMAP4.error):
        return f"The server said: {failure}"
    if isinstance(failure, DatabaseError):
        return "Mail was fetched but could not be stored; it stays unseen and is fetched again."
    return str(failure) or type(failure).__name__
