"""The keys that thread mail back to a ticket: our Message-IDs, the signed reply address, the subject reference.

Both directions use this module: outgoing mail is stamped with these, the intake recognises them. A reply
address carries the ticket number and a short HMAC of it, so a sender cannot aim a reply at another ticket by
editing the address; the subject reference is a weaker hint the intake only trusts for the ticket's own people.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from django.conf import settings

from tenancy.models import Tenant

SIGNATURE_LENGTH = 10
_REPLY_TAG = re.compile(
    r"^(?P<local>[^+@]+)\+(?P<prefix>[A-Za-z][A-Za-z0-9]{1,9})-(?P<number>\d{1,18})-(?P<sig>[0-9a-f]+)$"
)


def new_message_id(tenant: Tenant) -> str:
    """A fresh Message-ID for a mail we send, without angle brackets (`<id>` goes into the header)."""
    return f"tessera.{tenant.slug}.{uuid.uuid4().hex}@{settings.EMAIL_ID_DOMAIN}"


def is_our_message_id(message_id: str) -> bool:
    """Whether a Message-ID has the shape of one we generated (the intake never takes our own mail back)."""
    cleaned = message_id.strip().strip("<>").lower()
    return cleaned.startswith("tessera.") and cleaned.endswith("@" + settings.EMAIL_ID_DOMAIN.lower())


def _signature(tenant_id: int, number: int) -> str:
    message = f"reply-address:{tenant_id}:{number}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


def reply_address(tenant: Tenant, number: int, support_address: str) -> str:
    """support@acme.example -> support+ACME-1042-<signature>@acme.example."""
    local, _, domain = support_address.partition("@")
    return f"{local}+{tenant.ticket_prefix}-{number}-{_signature(tenant.pk, number)}@{domain}"


def ticket_number_from_reply_address(tenant: Tenant, address: str) -> int | None:
    """The ticket number a signed reply address of this tenant names, or None (unsigned, forged, other tenant)."""
    local = address.strip().lower().partition("@")[0]
    match = _REPLY_TAG.match(local)
    if not match or match["prefix"].upper() != tenant.ticket_prefix:
        return None
    number = int(match["number"])
    if not hmac.compare_digest(match["sig"], _signature(tenant.pk, number)):
        return None
    return number


def ticket_number_from_subject(tenant: Tenant, subject: str) -> int | None:
    """The number in "[ACME-1042]" (or a bare ACME-1042) in a subject, or None."""
    match = re.search(rf"\[?\b{re.escape(tenant.ticket_prefix)}-(\d{{1,18}})\b\]?", subject, re.IGNORECASE)
    return int(match[1]) if match else None
