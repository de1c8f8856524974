"""IMAP mailboxes a tenant admin adds for the intake to poll (settings → email → IMAP mailboxes).

Adding, changing and removing one are settings services of "tickets.imap" (one audit row each; the password
only as a marker). Asking for a poll now is an operation, not configuration: it writes no audit row."""

from __future__ import annotations

import re

from django.db import transaction

from tenancy import outbound
from tenancy.audit import HIDDEN, REPLACED, record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership
from tenancy.outbox import on_commit_task
from tenancy.roles import Role
from tickets.models import ImapMailbox
from tickets.services.events import ServiceError, require_role
from tickets.services.mail_authentication import clean_authserv_ids

MAX_MAILBOXES = 10
AREA = "tickets.imap"
MAILBOX_FIELDS = ("host", "port", "use_ssl", "username", "folder", "is_active", "trusted_authserv_ids")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def _require_admin(actor: Membership) -> None:
    require_role(actor, Role.ADMIN, "Only admins can change the mailboxes the help desk reads.")


def _clean(host: str, port: int, username: str, folder: str, password: str) -> tuple[str, int, str, str]:
    """Check what an admin typed; raise ServiceError saying what is wrong. The host as typed (no DNS, this runs in
    the request's transaction): where it resolves to is checked again at every connection (tenancy.outbound)."""
    for label, value in (("host", host), ("user name", username), ("password", password), ("folder", folder)):
        if outbound.has_control_characters(value or ""):
            # A CR LF in the user name made imaplib send a second command of the admin's choosing.
            raise ServiceError(f"The {label} may not contain line breaks or other control characters.")
    host, username, folder = host.strip().lower().rstrip("."), username.strip(), folder.strip() or "INBOX"
    if outbound.ip_literal(host) is None:
        if ":" in host:
            raise ServiceError("Give the host name alone and the port in the port field, e.g. imap.example.com.")
        if not _HOST.match(host):
            raise ServiceError(f"“{host}” is not a host name, e.g. imap.example.com.")
    try:
        host = outbound.check_host(host)
    except outbound.OutboundRefused as refused:
        raise ServiceError(f"{refused} The help desk reads mail only from servers on public addresses.") from refused
    if not 1 <= int(port) <= 65535:
        raise ServiceError("The port is a number from 1 to 65535 (993 for IMAP over TLS, 143 without).")
    if not username:
        raise ServiceError("Give the mailbox's user name.")
    if not (username + password + folder).isascii():
        raise ServiceError("IMAP sign-in sends the user name, password and folder as plain ASCII: use those only.")
    return host, int(port), username, folder[:100]


@settings_service(AREA)
def add_imap_mailbox(
    *,
    actor: Membership,
    host: str,
    port: int,
    use_ssl: bool,
    username: str,
    password: str,
    folder: str = "INBOX",
    trusted_authserv_ids: str = "",
) -> ImapMailbox:
    """Add a mailbox for the periodic job to poll; it is read from its next run (within a minute)."""
    _require_admin(actor)
    host, port, username, folder = _clean(host, port, username, folder, password or "")
    if not password:
        raise ServiceError("Give the mailbox's password (or app password).")
    trusted = clean_authserv_ids(trusted_authserv_ids)
    with transaction.atomic():
        if ImapMailbox.objects.count() >= MAX_MAILBOXES:
            raise ServiceError(f"A help desk reads at most {MAX_MAILBOXES} mailboxes.")
        if ImapMailbox.objects.filter(host=host, username=username, folder=folder).exists():
            raise ServiceError(f"{username} on {host} ({folder}) is already read.")
        mailbox = ImapMailbox.objects.create(
            host=host,
            port=port,
            use_ssl=use_ssl,
            username=username,
            password=password,
            folder=folder,
            trusted_authserv_ids=trusted,
        )
        record_config_change(
            actor=actor,
            area=AREA,
            action=ConfigChange.Action.CREATED,
            target=mailbox,
            after={**snapshot(mailbox, MAILBOX_FIELDS), "password": HIDDEN},
        )
    return mailbox


@settings_service(AREA)
def update_imap_mailbox(
    *,
    actor: Membership,
    mailbox: ImapMailbox,
    host: str,
    port: int,
    use_ssl: bool,
    username: str,
    folder: str,
    is_active: bool,
    password: str = "",
    trusted_authserv_ids: str | None = None,
) -> ImapMailbox:
    """Change a mailbox; an empty password keeps the stored one, None keeps the trusted hosts. Changing where it
    points clears its last error."""
    _require_admin(actor)
    host, port, username, folder = _clean(host, port, username, folder, password or "")
    trusted = None if trusted_authserv_ids is None else clean_authserv_ids(trusted_authserv_ids)
    before = {**snapshot(mailbox, MAILBOX_FIELDS), "password": HIDDEN}
    mailbox.host, mailbox.port, mailbox.use_ssl = host, port, use_ssl
    mailbox.username, mailbox.folder, mailbox.is_active = username, folder, is_active
    fields = ["host", "port", "use_ssl", "username", "folder", "is_active", "last_error"]
    mailbox.last_error = ""
    if trusted is not None:
        mailbox.trusted_authserv_ids = trusted
        fields.append("trusted_authserv_ids")
    if password:
        mailbox.password = password
        fields.append("password")
    mailbox.save(update_fields=fields)
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=mailbox,
        before=before,
        # A typed password counts as replaced even when it is the same: the audit never compares secrets.
        after={**snapshot(mailbox, MAILBOX_FIELDS), "password": REPLACED if password else HIDDEN},
    )
    return mailbox


@settings_service(AREA)
def remove_imap_mailbox(*, actor: Membership, mailbox: ImapMailbox) -> None:
    """Stop reading a mailbox (mail already taken in stays on its tickets)."""
    _require_admin(actor)
    mailbox_id, before = mailbox.pk, {**snapshot(mailbox, MAILBOX_FIELDS), "password": HIDDEN}
    mailbox.delete()
    record_config_change(
        actor=actor, area=AREA, action=ConfigChange.Action.DELETED, target=mailbox, target_id=mailbox_id, before=before
    )


def poll_imap_mailbox_now(*, actor: Membership, mailbox: ImapMailbox) -> None:
    """Ask for a poll of this mailbox now instead of at the next periodic run (queued through the outbox)."""
    _require_admin(actor)
    if not mailbox.is_active:
        raise ServiceError("The mailbox is paused: turn it on first.")
    ImapMailbox.objects.filter(pk=mailbox.pk).update(last_error="")
    on_commit_task("tickets.poll_imap_mailbox", mailbox_id=mailbox.pk)
