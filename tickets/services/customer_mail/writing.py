"""Writing a customer mail: its wording in the tenant's template, its sender, its thread headers, the ticket's
values it fills in, and the OutboundEmail row with its task in the outbox (_queue)."""

from __future__ import annotations

from email.utils import formataddr
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenancy import times
from tenancy.models import Tenant, User
from tenancy.outbox import on_commit_task
from tickets.lifecycle import CUSTOMER_WORDING, Status
from tickets.mail import composing, identity
from tickets.models import EmailTemplate, Message, OutboundEmail, SupportAddress, Ticket
from tickets.services import address_claims
from tickets.services.customer_mail.rules import MAX_REFERENCES
from tickets.services.satisfaction import rating_link


def _queue(
    *,
    kind: str,
    to: str,
    values: dict[str, str],
    html_values: dict[str, str],
    ticket: Ticket | None = None,
    message: Message | None = None,
    tenant: Tenant | None = None,
    recipient: User | None = None,
    in_reply_to: str = "",
    references: str = "",
) -> OutboundEmail:
    tenant = tenant or ticket.tenant
    subject, body_text, body_html = _compose(
        kind=kind, values=values, html_values=html_values, ticket=ticket, tenant=tenant, recipient=recipient
    )
    sender = _sender(tenant, ticket)
    with transaction.atomic():
        outbound = OutboundEmail.objects.create(
            kind=kind,
            ticket=ticket,
            message=message,
            to_address=to,
            from_address=sender.from_address,
            reply_to=sender.reply_to,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            email_message_id=identity.new_message_id(tenant),
            in_reply_to=in_reply_to[:255],
            references=references,
            created_at=timezone.now(),
        )
        on_commit_task("tickets.send_outbound_email", outbound_id=outbound.pk)
    return outbound


def _compose(
    *,
    kind: str,
    values: dict[str, str],
    html_values: dict[str, str],
    ticket: Ticket | None,
    tenant: Tenant,
    recipient: User | None = None,
) -> tuple[str, str, str]:
    """(subject, text, HTML) of a mail in the tenant's wording for its kind."""
    wording = composing.wording_for(kind, EmailTemplate.objects.filter(kind=kind).first())
    # Anything the frame or a value writes as a time is in the recipient's zone, not the sender's.
    with timezone.override(times.zone_for(user=recipient, tenant=tenant)):
        composed = composing.compose(
            tenant=tenant, kind=kind, wording=wording, text_values=values, html_values=html_values
        )
    subject = composed.subject
    if ticket is not None and f"[{ticket.reference}]" not in subject:
        subject = f"[{ticket.reference}] {subject}"  # the intake's weakest, but most visible, threading key
    return subject[:255], composed.body_text, composed.body_html


class _Sender(NamedTuple):
    from_address: str
    reply_to: str


def _sender(tenant: Tenant, ticket: Ticket | None) -> _Sender:
    """From: "<display name> <default support address>" (the installation's address when the tenant has none);
    Reply-To: the signed reply address of the ticket on that support address. A default address that is not
    verified sends nothing: its display name goes with the tenant's own support@<slug>.<BASE_DOMAIN> instead."""
    address = SupportAddress.objects.first()  # the default one first (Meta.ordering)
    if address is None:
        return _Sender(settings.DEFAULT_FROM_EMAIL, "")
    email = address.email
    if not address_claims.is_verified(tenant_id=tenant.pk, email=email):
        email = address_claims.own_address(tenant)
    name = " ".join((address.name or tenant.brand_name).split())  # a display name is one line
    reply_to = identity.reply_address(tenant, ticket.number, email) if ticket is not None else ""
    return _Sender(formataddr((name, email)), reply_to)


class _Thread(NamedTuple):
    in_reply_to: str
    references: str


def _thread(ticket: Ticket, exclude_message_id: int | None = None) -> _Thread:
    """In-Reply-To: the customer's last mail on the ticket (else the ticket's last mail we know of);
    References: the ticket's mail ids, the first one kept and the latest ones after it."""
    rows = (
        Message.objects.filter(ticket=ticket, kind=Message.Kind.REPLY)
        .exclude(email_message_id="")
        .exclude(pk=exclude_message_id)
        .order_by("created_at", "id")
        .values_list("email_message_id", "author_contact_id")
    )
    ids, customer_ids = [], []
    for message_id, contact_id in rows:
        cleaned = _clean_id(message_id)
        if cleaned and cleaned not in ids:
            ids.append(cleaned)
            if contact_id is not None:
                customer_ids.append(cleaned)
    in_reply_to = customer_ids[-1] if customer_ids else (ids[-1] if ids else "")
    return _Thread(in_reply_to, _cap_references(ids))


def _cap_references(ids: list[str]) -> str:
    """At most MAX_REFERENCES ids: the first (the thread's root) and the latest ones, as RFC 5322 suggests."""
    ids = [message_id for message_id in ids if message_id]
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return " ".join(ids)


def _clean_id(message_id: str) -> str:
    """A Message-ID without angle brackets or whitespace (a header value must not break a line)."""
    cleaned = message_id.strip().strip("<>").strip()
    return "" if any(c.isspace() or c in "<>" for c in cleaned) else cleaned[:255]


def _ticket_values(ticket: Ticket, status: str | None = None) -> dict[str, str]:
    contact, tenant = ticket.contact, ticket.tenant
    # A contact is a customer by email only, with no zone of its own: the tenant's.
    label, next_step = CUSTOMER_WORDING[Status(status or ticket.status)]
    names = contact.name.split()
    return {
        "contact.name": contact.display_name,
        "contact.first_name": names[0] if names else contact.display_name,
        "ticket.reference": ticket.reference,
        "ticket.number": ticket.reference,  # as in canned responses
        "ticket.subject": ticket.subject,
        "ticket.url": portal_link(ticket),
        "ticket.created": times.exact_label(ticket.created_at, times.zone_for(tenant=tenant)),
        "status": label,
        "next_step": next_step,
        "brand.name": tenant.brand_name,
    }


def portal_link(ticket: Ticket) -> str:
    return ticket.tenant.url_for("portal:request", number=ticket.number)


def _rating_values(ticket: Ticket) -> dict[str, str]:
    """The signed one-click rating links, one per score, on the tenant's host."""
    values = {f"rating.url_{score}": rating_link(ticket=ticket, score=score) for score in range(1, 6)}
    values["rating.url"] = rating_link(ticket=ticket)
    return values
