"""What the services call: one function per customer mail, each writing its OutboundEmail row in the caller's
transaction (or returning None when it sends nothing), and the settings page's retry of a failed mail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tenancy.models import Membership, Tenant, User, normalize_email
from tenancy.outbox import new_pending, on_commit_task
from tickets import clock
from tickets.mail import composing, identity
from tickets.models import Message, OutboundEmail, Ticket
from tickets.services.customer_mail.rules import (
    SECRET_KINDS,
    STATUS_MAIL_KINDS,
    TO_COMPOSE,
    Kind,
    _check_link,
    _check_scope,
    _is_known_address,
    _over_limit,
    _ticket_recipient,
)
from tickets.services.customer_mail.writing import (
    _cap_references,
    _clean_id,
    _queue,
    _rating_values,
    _thread,
    _ticket_values,
)
from tickets.services.events import ServiceError
from tickets.services.opening import OpeningMail

SEND_OUTBOUND_TASK = "tickets.send_outbound_email"


def send_acknowledgement(*, ticket: Ticket, in_reply_to: str = "", references: str = "") -> OutboundEmail | None:
    """Acknowledge a new ticket to its contact (never to another address), threaded on the mail that opened it;
    None when suppressed (replayed history, no address, over the hourly cap for the address)."""
    to = _ticket_recipient(ticket)
    if to is None or _over_limit(Kind.ACKNOWLEDGEMENT, to):
        return None
    thread = _thread(ticket)
    in_reply_to = _clean_id(in_reply_to) or thread.in_reply_to
    references = _cap_references([_clean_id(r) for r in references.split()]) or thread.references
    values = _ticket_values(ticket)
    return _queue(
        kind=Kind.ACKNOWLEDGEMENT,
        to=to,
        values=values,
        html_values=values,
        ticket=ticket,
        in_reply_to=in_reply_to,
        references=references,
    )


def acknowledgement_to_write(*, ticket: Ticket, tenant: Tenant) -> OpeningMail | None:
    """Acknowledge a new ticket as send_acknowledgement does, but leave the writing to the worker: the row holds
    the recipient and our Message-ID, the task composes it (wording, sender, thread) and applies the hourly cap
    before sending (deliver_outbound_email). Both rows come unsaved, for a ticket not written yet (`ticket`
    unsaved, its contact set): tickets.services.opening writes them in the ticket's statement, so the public
    form's request reads nothing for its mail; the caller publishes the task (tenancy.outbox.publish_recorded)
    once they are written. None while replaying history or when the contact has no address."""
    to = _ticket_recipient(ticket)
    if to is None:
        return None
    outbound = OutboundEmail(
        kind=Kind.ACKNOWLEDGEMENT,
        ticket=ticket,
        to_address=to,
        subject=TO_COMPOSE,
        body_text="",
        email_message_id=identity.new_message_id(tenant),
        created_at=timezone.now(),
    )
    return OpeningMail(outbound=outbound, task=new_pending(SEND_OUTBOUND_TASK))


def send_reply_mail(*, message: Message, sender_name: str = "") -> OutboundEmail | None:
    """Mail an agent's public reply to the requester; its Message-ID is stored on the Message too, so the
    customer's answer threads back onto the ticket. An automation's message (no author) is mailed only when its
    caller names the sender (`sender_name`, e.g. the tenant's brand), so no other authorless reply goes out."""
    if message.kind != Message.Kind.REPLY or message.author_contact_id is not None:
        return None
    if message.author_membership_id is None and not sender_name:
        return None
    ticket = message.ticket
    to = _ticket_recipient(ticket)
    if to is None:
        return None
    thread = _thread(ticket, exclude_message_id=message.pk)
    values = _ticket_values(ticket)
    values["agent.name"] = message.author_membership.display_name if message.author_membership_id else sender_name
    html_values = {**values, "message.body": message.body_html}
    values["message.body"] = composing.html_to_mail_text(message.body_html)
    outbound = _queue(
        kind=Kind.REPLY,
        to=to,
        values=values,
        html_values=html_values,
        ticket=ticket,
        message=message,
        in_reply_to=thread.in_reply_to,
        references=thread.references,
    )
    message.email_message_id = outbound.email_message_id
    message.save(update_fields=["email_message_id"])
    return outbound


def send_status_mail(*, ticket: Ticket, status: str) -> OutboundEmail | None:
    """Tell the requester about a status they should know of (pending, on hold, resolved with the satisfaction
    link); None for the others."""
    kind = STATUS_MAIL_KINDS.get(status)
    to = _ticket_recipient(ticket) if kind else None
    if to is None:
        return None
    values = _ticket_values(ticket, status=status)
    if kind == Kind.RESOLVED:
        values.update(_rating_values(ticket))
    thread = _thread(ticket)
    return _queue(
        kind=kind,
        to=to,
        values=values,
        html_values=values,
        ticket=ticket,
        in_reply_to=thread.in_reply_to,
        references=thread.references,
    )


def send_sign_in_link(*, tenant: Tenant, email: str, link: str) -> OutboundEmail | None:
    """Mail a portal sign-in link (built by the portal, on the tenant's host) to an address this tenant knows;
    None for an unknown address or over the hourly cap, so the portal cannot mail strangers."""
    email = normalize_email(email)
    _check_scope(tenant)
    _check_link(tenant, link)
    if clock.is_replaying() or not email or not _is_known_address(email) or _over_limit(Kind.SIGN_IN, email):
        return None
    values = {"sign_in.url": link, "email": email, "brand.name": tenant.brand_name}
    return _queue(kind=Kind.SIGN_IN, to=email, values=values, html_values=values, tenant=tenant)


def send_password_reset(*, tenant: Tenant, user: User, link: str) -> OutboundEmail | None:
    """Mail a password-reset link (on the tenant's host) to an active member of this tenant; None otherwise."""
    _check_scope(tenant)
    _check_link(tenant, link)
    email = normalize_email(user.email or "")
    member = Membership.objects.filter(user=user, is_active=True).exists()
    if not email or not member or _over_limit(Kind.PASSWORD_RESET, email):
        return None
    values = {
        "reset.url": link,
        "email": email,
        "user.name": user.full_name or email,
        "brand.name": tenant.brand_name,
    }
    return _queue(kind=Kind.PASSWORD_RESET, to=email, values=values, html_values=values, tenant=tenant, recipient=user)


def send_address_verification(*, tenant: Tenant, email: str, link: str) -> OutboundEmail | None:
    """Mail a support address's verification link (on the tenant's host) to that address, which is not verified
    yet, so the mail comes from the tenant's own address; None over the hourly cap for the address."""
    email = normalize_email(email)
    _check_scope(tenant)
    _check_link(tenant, link)
    if clock.is_replaying() or _over_limit(Kind.ADDRESS_VERIFICATION, email):
        return None
    values = {"verify.url": link, "email": email, "brand.name": tenant.brand_name}
    return _queue(kind=Kind.ADDRESS_VERIFICATION, to=email, values=values, html_values=values, tenant=tenant)


def retry_outbound_email(*, outbound: OutboundEmail) -> OutboundEmail:
    """Send a failed mail again (from the settings page): back to pending, and a fresh task in the outbox."""
    if outbound.status != OutboundEmail.Status.FAILED:
        raise ServiceError("Only a failed mail can be sent again.")
    if outbound.kind in SECRET_KINDS:
        raise ServiceError("Sign-in and password links are not sent again: ask the person to request a new one.")
    with transaction.atomic():
        outbound.status, outbound.attempts = OutboundEmail.Status.PENDING, 0  # a fresh set of attempts
        outbound.save(update_fields=["status", "attempts"])
        on_commit_task("tickets.send_outbound_email", outbound_id=outbound.pk)
    return outbound
