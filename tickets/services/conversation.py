"""Public replies and internal notes, and what a customer's reply does to the ticket's status."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from tickets import clock, search_index
from tickets.content import html_to_text, render_plain_text
from tickets.lifecycle import Status, check_transition
from tickets.models import Channel, Contact, Message, Ticket, TicketLink, TicketParticipant
from tickets.services import customer_mail
from tickets.services.attachments import Upload, store_attachments, validate_uploads
from tickets.services.common import lock, save, set_status
from tickets.services.creation import create_ticket
from tickets.services.events import Actor, Automation, ServiceError, record_event, require_staff
from tickets.services.field_values import check_resolvable
from tickets.services.notifications import notify_customer_reply, notify_mentions


def reply(
    *,
    ticket: Ticket,
    actor: Actor,
    body: str,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    status: str | None = None,
    channel: str = Channel.WEB,
    body_html: str | None = None,
    email_message_id: str = "",
    email_in_reply_to: str = "",
) -> Message:
    """Add a public reply. From an agent it may also set a status (reply and set pending, reply and resolve).
    From the requester or a participant it reopens a pending ticket, or a resolved one within the tenant's
    reopen window; after that window, or on a closed ticket, it opens a new ticket linked to the old one."""
    html, text = _render(body, body_html)
    if isinstance(actor, Contact):
        return _customer_reply(ticket, actor, html, text, uploads, channel, email_message_id, email_in_reply_to)
    require_staff(actor)
    checked = validate_uploads(tenant=ticket.tenant, uploads=list(uploads))
    with transaction.atomic():
        ticket = lock(ticket)
        _refuse_if_final(ticket)
        if status:
            check_transition(ticket.status, status)
            check_resolvable(ticket, status)  # "send and resolve" needs the fields required at resolution
        now = clock.now()
        message = _add_message(ticket, Message.Kind.REPLY, html, text, channel, now, author_membership=actor)
        store_attachments(ticket=ticket, message=message, checked=checked)
        fields = ["last_agent_activity_at", *search_index.append_words(ticket, text)]
        ticket.last_agent_activity_at = now
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        record_event(ticket, actor=actor, kind="replied", new=message.pk, at=now)
        target = status or (Status.OPEN if ticket.status == Status.NEW else None)
        if target and target != ticket.status:
            old = ticket.status
            fields += set_status(ticket, target, now)
            record_event(ticket, actor=actor, kind="status_changed", field="status", old=old, new=target, at=now)
        save(ticket, *fields)
        customer_mail.send_reply_mail(message=message)
        if status == Status.RESOLVED:  # the reply is the answer; this mail asks for the rating
            customer_mail.send_status_mail(ticket=ticket, status=status)
    return message


def post_automated_reply(*, ticket: Ticket, actor: Automation, body: str) -> Message:
    """Send the customer a public message from a named automation ("We haven't heard back, so we've resolved
    this request"): plain text rendered and sanitised like any reply, mailed through the outbox as replies are
    (signed with the tenant's brand), recorded as a "replied" event by the automation. It changes no status:
    the automation does that through update_ticket, in the same transaction."""
    if not isinstance(actor, Automation) or actor.acting_for is not None:
        raise ServiceError("Only a named automation sends automated messages.")
    html, text = _render(body, None)
    with transaction.atomic():
        ticket = lock(ticket)
        _refuse_if_final(ticket)
        now = clock.now()
        message = _add_message(ticket, Message.Kind.REPLY, html, text, Channel.WEB, now)
        record_event(ticket, actor=actor, kind="replied", new=message.pk, reason=actor.name, at=now)
        save(ticket, *search_index.append_words(ticket, text))
        customer_mail.send_reply_mail(message=message, sender_name=ticket.tenant.brand_name)
    return message


def add_note(
    *,
    ticket: Ticket,
    actor: Actor,
    body: str,
    uploads: list[Upload] | tuple[Upload, ...] = (),
    body_html: str | None = None,
    channel: str = Channel.INTERNAL,
    email_message_id: str = "",
) -> Message:
    """Add an internal note: staff only, never shown to the customer. An agent's own mail to the ticket's reply
    address comes in as one (channel EMAIL, already sanitised `body_html`, its Message-ID). A named automation
    (a routing rule) may add one too: the note then has no member as author, its event names the automation."""
    if not isinstance(actor, Automation):
        require_staff(actor)
    html, text = _render(body, body_html)
    checked = validate_uploads(tenant=ticket.tenant, uploads=list(uploads))
    with transaction.atomic():
        ticket = lock(ticket)
        now = clock.now()
        message = _add_message(
            ticket,
            Message.Kind.NOTE,
            html,
            text,
            channel,
            now,
            author_membership=actor if not isinstance(actor, Automation) else None,
            email_message_id=email_message_id,
        )
        store_attachments(ticket=ticket, message=message, checked=checked)
        record_event(ticket, actor=actor, kind="note_added", new=message.pk, at=now)
        save(ticket, *search_index.append_words(ticket, text))
        notify_mentions(ticket=ticket, message=message, actor=actor)
    return message


def _customer_reply(ticket, contact, html, text, uploads, channel, email_message_id, email_in_reply_to) -> Message:
    checked = validate_uploads(tenant=ticket.tenant, uploads=list(uploads))
    with transaction.atomic():
        ticket = lock(ticket)
        if not may_write(ticket, contact):
            raise ServiceError("Only the requester or someone copied on this ticket can reply to it.")
        if ticket.merged_into_id:
            ticket = lock(ticket.merged_into_id)
        if _needs_follow_up(ticket):
            return _open_follow_up(ticket, contact, text, html, checked, channel, email_message_id)
        now = clock.now()
        message = _add_message(
            ticket, Message.Kind.REPLY, html, text, channel, now, author_contact=contact,
            email_message_id=email_message_id, email_in_reply_to=email_in_reply_to,
        )  # fmt: skip
        store_attachments(ticket=ticket, message=message, checked=checked)
        ticket.last_customer_activity_at = now
        fields = ["last_customer_activity_at", *search_index.append_words(ticket, text)]
        record_event(ticket, actor=contact, kind="customer_replied", new=message.pk, at=now)
        old = ticket.status
        if old in (Status.PENDING, Status.RESOLVED):
            fields += set_status(ticket, Status.OPEN, now)
            # An answer to a ticket waiting for the customer is not a reopen (reports count reopens).
            kind = "reopened" if old == Status.RESOLVED else "customer_replied_while_pending"
            record_event(ticket, actor=contact, kind=kind, field="status", old=old, new=Status.OPEN, at=now)
        save(ticket, *fields)
        notify_customer_reply(ticket=ticket, actor=contact, reopened=old == Status.RESOLVED)
    return message


def _needs_follow_up(ticket: Ticket) -> bool:
    if ticket.status in (Status.CLOSED, Status.SPAM):
        return True
    if ticket.status == Status.RESOLVED and ticket.resolved_at is not None:
        window = timedelta(days=ticket.tenant.reopen_window_days)
        return clock.now() - ticket.resolved_at > window
    return False


def _open_follow_up(old: Ticket, contact, text, html, checked, channel, email_message_id) -> Message:
    subject = old.subject if old.subject.lower().startswith("re:") else f"Re: {old.subject}"
    new = create_ticket(
        actor=contact,
        contact=contact,
        subject=subject,
        body=text,
        body_html=html,
        channel=channel,
        queue=old.queue,
        category=old.category,
        subcategory=old.subcategory,
        priority=old.priority,
        uploads=[upload for upload, _ in checked],
        email_message_id=email_message_id,
    )
    TicketLink.objects.create(source=new, target=old, kind=TicketLink.Kind.FOLLOW_UP)
    record_event(new, actor=contact, kind="linked", field="follow_up_of", new=old.pk, reason="reply after closing")
    record_event(old, actor=contact, kind="linked", field="follow_up", new=new.pk, reason="reply after closing")
    return new.messages.order_by("created_at", "id").first()


def may_write(ticket: Ticket, contact: Contact) -> bool:
    """Whether this contact speaks on the ticket: its requester or someone copied on it."""
    return ticket.contact_id == contact.pk or TicketParticipant.objects.filter(ticket=ticket, contact=contact).exists()


def _refuse_if_final(ticket: Ticket) -> None:
    if ticket.merged_into_id:
        raise ServiceError("This ticket was merged into another; reply there instead.")
    if ticket.status in (Status.CLOSED, Status.SPAM):
        raise ServiceError(f"The ticket is {Status(ticket.status).label.lower()}; it takes no more replies.")


def _render(body: str, body_html: str | None) -> tuple[str, str]:
    html = body_html if body_html is not None else render_plain_text(body)
    text = html_to_text(html)
    if not text:
        raise ServiceError("The message is empty.")
    return html, text


def _add_message(ticket: Ticket, kind: str, html: str, text: str, channel: str, now, **extra) -> Message:
    extra.setdefault("email_message_id", "")
    extra["email_message_id"] = extra["email_message_id"][:255]
    return Message.objects.create(ticket=ticket, kind=kind, body_html=html, channel=channel, created_at=now, **extra)
