"""Which receiving hosts a tenant's mail is authenticated by: the trusted authserv-ids overriding the platform's
(MAIL_TRUSTED_AUTHSERV_IDS) for one support address, one IMAP mailbox or the HTTP inbound endpoint. Admins only.

Naming a host here means believing what it writes in Authentication-Results about SPF, DKIM and DMARC; a host
that lets senders pass its own header through would let anyone in, so only the provider's receiving host belongs
here (README, "Mail authentication")."""

from __future__ import annotations

from django.db import transaction

from tenancy.audit import record_config_change, settings_service
from tenancy.models import ConfigChange, ensure_same_tenant
from tenancy.roles import Role
from tickets.mail.authentication import parse_authserv_ids
from tickets.models import ImapMailbox, MailSettings, SupportAddress
from tickets.services.events import Actor, ServiceError, require_role

MAX_CHARS = 255
AREA = "tickets.email"


def clean_authserv_ids(value: str) -> str:
    """The stored form of a typed list ("mx1.example.com, mx2.example.com"); ServiceError says what is wrong."""
    try:
        ids = parse_authserv_ids(value)
    except ValueError as invalid:
        raise ServiceError(str(invalid)) from invalid
    stored = ", ".join(ids)
    if len(stored) > MAX_CHARS:
        raise ServiceError(f"Keep the list of receiving hosts under {MAX_CHARS} characters.")
    return stored


@settings_service(AREA)
def set_trusted_authserv_ids(*, actor: Actor, target: SupportAddress | ImapMailbox, value: str) -> str:
    """Trust these receiving hosts for mail to this support address (or fetched from this mailbox); empty: the
    platform's. Returns the stored list. (The IMAP page sets a mailbox's with the mailbox itself, in one change:
    tickets.services.imap_mailboxes.)"""
    member = require_role(actor, Role.ADMIN, "Only admins can change the mail settings.")
    stored = clean_authserv_ids(value)
    with transaction.atomic():
        ensure_same_tenant(member, target)
        before = type(target).objects.filter(pk=target.pk).values_list("trusted_authserv_ids", flat=True).first()
        type(target).objects.filter(pk=target.pk).update(trusted_authserv_ids=stored)
        target.trusted_authserv_ids = stored
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.UPDATED,
            target=target,
            before={"trusted_authserv_ids": before or ""},
            after={"trusted_authserv_ids": stored},
        )
    return stored


@settings_service(AREA)
def set_endpoint_trusted_authserv_ids(*, actor: Actor, value: str) -> str:
    """Trust these receiving hosts for mail posted to the tenant's HTTP inbound endpoint; empty: the platform's."""
    member = require_role(actor, Role.ADMIN, "Only admins can change the mail settings.")
    stored = clean_authserv_ids(value)
    with transaction.atomic():
        before = MailSettings.objects.values_list("trusted_authserv_ids", flat=True).first()
        # updated_at is left alone: the settings page shows it as the time the secret was made.
        mail_settings, _ = MailSettings.objects.update_or_create(defaults={"trusted_authserv_ids": stored})
        record_config_change(
            actor=member,
            area=AREA,
            action=ConfigChange.Action.UPDATED,
            target=mail_settings,
            label="Inbound mail endpoint",
            before={"trusted_authserv_ids": before or ""},
            after={"trusted_authserv_ids": stored},
        )
    return stored
