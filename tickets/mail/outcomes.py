"""What the mail intake writes once it has decided what a mail is (tickets.mail.intake): a reply added to its
ticket, an agent's note, a new ticket and its acknowledgement, a held or refused claim, a bounce, an automatic
reply; each records the InboundEmail's outcome and reason."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tenancy.models import Membership, Tenant
from tickets import services
from tickets.content import render_plain_text
from tickets.mail.addresses import SupportAddresses
from tickets.mail.parsing import ParsedEmail, is_forwarded, trim_quoted
from tickets.models import Channel, Contact, InboundEmail, Message, OutboundEmail, Ticket
from tickets.selectors.mail import new_tickets_per_sender_per_hour
from tickets.services import customer_mail
from tickets.services.attachments import MAX_FILES_PER_MESSAGE, Upload, validate_uploads
from tickets.services.events import Automation, ServiceError, record_event

logger = logging.getLogger(__name__)

INTAKE = Automation("email intake")
Outcome = InboundEmail.Outcome
MAX_PARTICIPANTS = 20
EMPTY_BODY = "(The email had no text.)"


def set_outcome(inbound: InboundEmail, outcome: str, reason: str, message: Message | None = None) -> None:
    inbound.outcome = outcome
    inbound.reason = reason[:255]
    if message is not None:
        inbound.message = message
        inbound.ticket_id = message.ticket_id


def record_automatic_reply(inbound: InboundEmail, ticket: Ticket, *, allowed: bool) -> None:
    """An out-of-office or other machine answer on a ticket: noted on it, never a reply that reopens the ticket
    or restarts its clock (and never a new ticket for a robot that claims one)."""
    if not allowed:
        _record_refusal(ticket, inbound, None)
        reason = f"Automatic mail claiming {ticket.reference} from someone not on it: recorded, not added."
    elif not inbound.authenticated:
        # Unproven, so not noted on the ticket either (anyone could fill its history with "out of office").
        reason = f"Automatic mail claiming {ticket.reference}, sender not authenticated: not noted on the ticket."
    else:
        record_event(ticket, actor=INTAKE, kind="auto_reply_received", field="inbound_email", new=inbound.pk)
        reason = f"Automatic reply (e.g. out of office) on {ticket.reference}: noted on the ticket, not added."
    inbound.ticket = ticket
    set_outcome(inbound, Outcome.IGNORED, reason)


# --- outcomes --------------------------------------------------------------------------------------------------


def _body(parsed: ParsedEmail) -> str:
    """Safe HTML of what the sender wrote: quoted history and signature trimmed unless the mail is a forward."""
    text = parsed.text.strip()
    if not text:
        return render_plain_text(EMPTY_BODY)
    if is_forwarded(parsed.subject, text):
        return parsed.html or render_plain_text(text)
    trimmed = trim_quoted(text)
    if parsed.html and trimmed == text:
        return parsed.html
    return render_plain_text(trimmed)


def accepted_uploads(tenant: Tenant, parsed: ParsedEmail) -> tuple[list[Upload], list[str]]:
    """The attachments we accept; the refused ones are named in the outcome's reason, never fatal."""
    accepted: list[Upload] = []
    refused: list[str] = []
    for attachment in parsed.attachments:
        upload = Upload(name=attachment.name, content=attachment.content)
        if len(accepted) >= MAX_FILES_PER_MESSAGE:
            refused.append(attachment.name)
            continue
        try:
            validate_uploads(tenant=tenant, uploads=[upload])
        except ServiceError:
            refused.append(attachment.name)
            continue
        accepted.append(upload)
    return accepted, refused


def _with_refused(reason: str, refused: list[str]) -> str:
    if not refused:
        return reason
    return f"{reason} Attachments not taken: {', '.join(refused)}"


def _kept_message_id(parsed: ParsedEmail) -> str:
    """The Message-ID the ticket message keeps: none when a message already has it (another message that
    reused the id; threading finds the first one, the InboundEmail keeps the id of each)."""
    if not parsed.message_id or Message.objects.filter(email_message_id=parsed.message_id).exists():
        return ""
    return parsed.message_id


def append_reply(inbound: InboundEmail, parsed: ParsedEmail, ticket: Ticket, contact: Contact, how: str) -> None:
    uploads, refused = accepted_uploads(ticket.tenant, parsed)
    services.fill_contact_name(contact=contact, name=parsed.from_name)
    message = services.reply(
        ticket=ticket,
        actor=contact,
        body="",
        body_html=_body(parsed),
        uploads=uploads,
        channel=Channel.EMAIL,
        email_message_id=_kept_message_id(parsed),
        email_in_reply_to=parsed.in_reply_to[0] if parsed.in_reply_to else "",
    )
    if message.ticket_id not in (ticket.pk, ticket.merged_into_id):
        # A reply to a closed ticket opened a follow-up (the reply service links the two).
        new = message.ticket
        set_outcome(
            inbound, Outcome.NEW_TICKET, f"Reply to closed {ticket.reference}: opened {new.reference}.", message
        )
        inbound.reason = _with_refused(inbound.reason, refused)[:255]
        _acknowledge(new, parsed)
        return
    reason = f"Added to {message.ticket.reference} (matched by {how})."
    set_outcome(inbound, Outcome.APPENDED, _with_refused(reason, refused), message)


def add_agent_note(inbound: InboundEmail, parsed: ParsedEmail, ticket: Ticket, member: Membership) -> None:
    """An agent's own mail to the ticket's reply address: an internal note by them, never sent to the customer
    (no tenant setting makes it public yet), recorded as such."""
    uploads, refused = accepted_uploads(ticket.tenant, parsed)
    message = services.add_note(
        ticket=ticket,
        actor=member,
        body="",
        body_html=_body(parsed),
        uploads=uploads,
        channel=Channel.EMAIL,
        email_message_id=_kept_message_id(parsed),
    )
    reason = (
        f"Internal note by {member.user.email} on {ticket.reference}: their own mail to its reply address, "
        "not sent to the customer."
    )
    set_outcome(inbound, Outcome.APPENDED, _with_refused(reason, refused), message)


def open_new_ticket(
    inbound: InboundEmail,
    parsed: ParsedEmail,
    addresses: SupportAddresses,
    *,
    refused_on: Ticket | None,
    how: str,
    limit: bool = True,
) -> None:
    tenant = Tenant.objects.get(pk=inbound.tenant_id)
    if limit and over_sender_limit(parsed.from_address):
        set_outcome(inbound, Outcome.RATE_LIMITED, "Sender over the hourly limit of new tickets: kept, no ticket.")
        if refused_on is not None:
            _record_refusal(refused_on, inbound, None)
        return
    contact = services.get_or_create_contact(email=parsed.from_address, name=parsed.from_name)
    participants = []
    for address in parsed.recipients:
        if address == parsed.from_address or addresses.is_ours(address) or len(participants) >= MAX_PARTICIPANTS:
            continue
        try:
            participants.append(services.get_or_create_contact(email=address))
        except ServiceError:
            continue
    uploads, refused = accepted_uploads(tenant, parsed)
    ticket = services.create_ticket(
        actor=contact,
        contact=contact,
        subject=parsed.subject or "(no subject)",
        body="",
        body_html=_body(parsed),
        channel=Channel.EMAIL,
        queue=addresses.queue_for(parsed.recipients),
        received_address=addresses.received_at(parsed.recipients),
        participants=participants,
        uploads=uploads,
        email_message_id=_kept_message_id(parsed),
    )
    message = ticket.messages.order_by("created_at", "id").first()
    if refused_on is not None:
        _record_refusal(refused_on, inbound, ticket)
        reason = (
            f"Claimed {refused_on.reference} (by {how}) but the sender is not its requester or copied on it: "
            f"opened {ticket.reference} instead."
        )
    elif parsed.from_fallback:
        reason = f"No usable From: opened {ticket.reference} for the {parsed.from_fallback} address, unacknowledged."
    else:
        reason = f"Opened {ticket.reference}."
    set_outcome(inbound, Outcome.NEW_TICKET, _with_refused(reason, refused), message)
    _acknowledge(ticket, parsed)


def hold(inbound: InboundEmail, ticket: Ticket, how: str) -> None:
    """A mail from the ticket's requester or a participant whose From is not authenticated: kept for an admin to
    release or open as a new ticket, noted on the ticket (ids only); nothing is added, nothing is acknowledged."""
    record_event(
        ticket,
        actor=INTAKE,
        kind="email_held",
        field="inbound_email",
        new=inbound.pk,
        reason="sender not authenticated",
    )
    inbound.ticket = ticket
    set_outcome(
        inbound,
        Outcome.HELD,
        f"Claims {ticket.reference} (by {how}) but the sender is not authenticated: held for review "
        f"({inbound.authentication}).",
    )


def _record_refusal(claimed: Ticket, inbound: InboundEmail, opened: Ticket | None) -> None:
    """The refused attempt on the ticket it claimed: ids only (the inbound mail, the ticket opened instead)."""
    record_event(
        claimed,
        actor=INTAKE,
        kind="email_refused",
        field="related" if opened is not None else "inbound_email",
        new=opened.pk if opened is not None else inbound.pk,
        reason="sender is not the requester or copied on this ticket",
    )


def over_sender_limit(address: str) -> bool:
    limit = new_tickets_per_sender_per_hour()
    since = timezone.now() - timedelta(hours=1)
    opened = (
        InboundEmail.objects.filter(from_address=address, received_at__gte=since, outcome=Outcome.NEW_TICKET)
        .exclude(source=InboundEmail.Source.IMPORT)  # history is not this hour's mail
        .count()
    )
    return opened >= limit


def _acknowledge(ticket: Ticket, parsed: ParsedEmail) -> None:
    """Acknowledge a new ticket to its requester (the address that wrote), never to a machine, and never to an
    address taken from Sender or Reply-To (unproven: anyone could make us mail a stranger)."""
    if parsed.is_automatic or parsed.from_fallback:
        return
    references = " ".join(f"<{ref}>" for ref in [*parsed.references, parsed.message_id] if ref)
    try:
        with transaction.atomic():
            customer_mail.send_acknowledgement(ticket=ticket, in_reply_to=parsed.message_id, references=references)
    except Exception:
        # The ticket matters more than its acknowledgement: keep it, and say why no mail went out.
        logger.exception("No acknowledgement for ticket #%s", ticket.pk)


def record_bounce(inbound: InboundEmail, parsed: ParsedEmail) -> None:
    """A delivery failure: an event on the ticket whose mail bounced (found by the original Message-ID)."""
    ids = list(dict.fromkeys([*parsed.bounced_message_ids, *parsed.thread_ids]))
    outbound = (
        OutboundEmail.objects.filter(email_message_id__in=ids, ticket__isnull=False).select_related("ticket").first()
        if ids
        else None
    )
    if outbound is None:
        return set_outcome(inbound, Outcome.BOUNCE, "Bounce for mail we cannot match to a ticket: recorded, no ticket.")
    status = parsed.bounce_status or "unknown"
    record_event(
        outbound.ticket,
        actor=INTAKE,
        kind="email_bounced",
        field="outbound_email",
        old=inbound.pk,
        new=outbound.pk,
        reason=f"delivery failed (status {status})",
    )
    inbound.ticket = outbound.ticket
    return set_outcome(inbound, Outcome.BOUNCE, f"Bounce of our mail on {outbound.ticket.reference} (status {status}).")
