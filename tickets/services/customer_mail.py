"""Mail to customers: acknowledgements, agent replies, status changes, resolutions with the satisfaction link,
portal sign-in links and password resets.

Each `send_*` writes an OutboundEmail row in the caller's transaction and leaves the task
"tickets.send_outbound_email" in the outbox; the task sends it after commit (no network I/O inside a
transaction), retries with backoff, and keeps the outcome on the row, so a failure shows on the ticket.

Anti-relay: a ticket's mail only ever goes to the ticket's contact, a sign-in link or password reset only to an
address the tenant already knows, and acknowledgements, sign-in links and resets are capped per recipient and
hour (counted from the OutboundEmail rows on their (tenant, to_address, created_at) index). Every `send_*`
returns None when it sends nothing: replayed history, no address, over the cap.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import formataddr
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from tenancy import times
from tenancy.context import current_tenant_id
from tenancy.models import Membership, Tenant, User, normalize_email
from tenancy.outbox import on_commit_task
from tickets import clock
from tickets.lifecycle import CUSTOMER_WORDING, Status
from tickets.mail import composing, identity
from tickets.models import Contact, EmailTemplate, Message, OutboundEmail, SupportAddress, Ticket
from tickets.services import address_claims
from tickets.services.events import ServiceError
from tickets.services.satisfaction import rating_link

logger = logging.getLogger(__name__)

Kind = OutboundEmail.Kind

MAILS_PER_RECIPIENT_PER_HOUR = 5
RATE_LIMITED_KINDS = frozenset({Kind.ACKNOWLEDGEMENT, Kind.SIGN_IN, Kind.PASSWORD_RESET, Kind.ADDRESS_VERIFICATION})
# Status changes the customer hears about: we need something from them, we wait on someone else, it is solved.
# Internal moves (open, new) and the automatic close after a resolution stay quiet.
STATUS_MAIL_KINDS = {Status.PENDING: Kind.STATUS, Status.ON_HOLD: Kind.STATUS, Status.RESOLVED: Kind.RESOLVED}
# Mails that carry a secret link: their bodies are scrubbed once sent or failed, and they are never resent
# (the person asks for a new link instead), so the database does not keep live sign-in tokens.
SECRET_KINDS = frozenset({Kind.SIGN_IN, Kind.PASSWORD_RESET, Kind.ADDRESS_VERIFICATION})
SCRUBBED = "(Removed after sending: this mail carried a one-time link.)"
# RFC 3834: automatic mail says so, so autoresponders do not answer it (an agent's reply is a person writing).
AUTO_SUBMITTED = {
    Kind.ACKNOWLEDGEMENT: "auto-replied",
    Kind.STATUS: "auto-generated",
    Kind.RESOLVED: "auto-generated",
    Kind.SIGN_IN: "auto-generated",
    Kind.PASSWORD_RESET: "auto-generated",
    Kind.ADDRESS_VERIFICATION: "auto-generated",
}
MAX_REFERENCES = 10
MAX_SEND_ATTEMPTS = 7  # the first try and six retries with backoff (tickets.tasks.send_outbound_email_task)
SENDING_LOCK_SECONDS = 300
# The subject of an acknowledgement queued by queue_acknowledgement, until the worker writes it (a composed
# acknowledgement's subject always carries the ticket's reference, so it is never this).
TO_COMPOSE = ""


# --- What the services call -----------------------------------------------------------------------------------


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


def queue_acknowledgement(*, ticket: Ticket, tenant: Tenant) -> OutboundEmail | None:
    """Acknowledge a new ticket as send_acknowledgement does, but leave the writing to the worker: the row holds
    the recipient and our Message-ID, the task composes it (wording, sender, thread) and applies the hourly cap
    before sending (deliver_outbound_email). The public form's request then writes two rows and reads nothing
    for its mail. None while replaying history or when the contact has no address."""
    to = _ticket_recipient(ticket)
    if to is None:
        return None
    # Two INSERTs and nothing to catch between them: inside the intake's transaction a savepoint of their own
    # would cost two statements and protect nothing (an error aborts the intake's transaction either way).
    with transaction.atomic(savepoint=False):
        outbound = OutboundEmail.objects.create(
            kind=Kind.ACKNOWLEDGEMENT,
            ticket=ticket,
            to_address=to,
            subject=TO_COMPOSE,
            body_text="",
            email_message_id=identity.new_message_id(tenant),
            created_at=timezone.now(),
        )
        on_commit_task("tickets.send_outbound_email", outbound_id=outbound.pk)
    return outbound


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


# --- Sending (the task) -----------------------------------------------------------------------------------------


def deliver_outbound_email(*, outbound_id: int, max_attempts: int = MAX_SEND_ATTEMPTS) -> bool:
    """Send one pending mail; return whether it went out now. A sent or failed row sends nothing (the outbox
    may deliver the task twice), and a short cache lock keeps two workers from sending the same row at once.

    OSError (smtplib's errors are OSErrors) propagates for the task to retry, after the attempt is recorded on
    the row; the attempt that reaches `max_attempts` (counted on the row, whichever delivery of the task made
    the earlier ones) makes the row FAILED instead. Any other error fails the row at once: retrying a mail that
    cannot be built will not help.
    """
    outbound = OutboundEmail.objects.filter(pk=outbound_id, status=OutboundEmail.Status.PENDING).first()
    if outbound is None:
        return False
    final_attempt = outbound.attempts + 1 >= max_attempts
    lock = f"outbound-sending:{outbound.tenant_id}:{outbound.pk}"
    if not cache.add(lock, 1, timeout=SENDING_LOCK_SECONDS):
        return False
    try:
        if awaits_composing(outbound) and not compose_queued(outbound=outbound):
            return False
        _build(outbound).send()
    except OSError as error:
        logger.warning("Outbound mail %s: attempt %s failed: %s", outbound.pk, outbound.attempts + 1, error)
        _record_failure(outbound, error, final=final_attempt)
        if not final_attempt:
            raise
        return False
    except Exception as error:
        logger.exception("Outbound mail %s could not be sent", outbound.pk)
        _record_failure(outbound, error, final=True)
        return False
    finally:
        cache.delete(lock)
    fields = {"status": OutboundEmail.Status.SENT, "sent_at": timezone.now(), "last_error": ""}
    if outbound.kind in SECRET_KINDS:
        fields.update(body_text=SCRUBBED, body_html="")
    OutboundEmail.objects.filter(pk=outbound.pk).update(attempts=outbound.attempts + 1, **fields)
    return True


def awaits_composing(outbound: OutboundEmail) -> bool:
    """Whether this is a row queue_acknowledgement left for the worker to write."""
    return outbound.kind == Kind.ACKNOWLEDGEMENT and outbound.subject == TO_COMPOSE


def compose_queued(*, outbound: OutboundEmail) -> bool:
    """Write a mail queued by queue_acknowledgement (in the worker, under the sending lock): wording, sender and
    thread as send_acknowledgement would have, saved on the row. Over the hourly cap for the address (counted
    among the acknowledgements queued before this one), or with its ticket gone, the row is deleted and
    nothing is sent: as send_acknowledgement, which writes no row then. Return whether it is ready to send."""
    ticket = Ticket.objects.select_related("tenant", "contact").filter(pk=outbound.ticket_id).first()
    if ticket is None or _over_limit(outbound.kind, outbound.to_address, before=outbound):
        OutboundEmail.objects.filter(pk=outbound.pk, status=OutboundEmail.Status.PENDING).delete()
        return False
    thread = _thread(ticket)
    values = _ticket_values(ticket)
    composed = _compose(kind=outbound.kind, values=values, html_values=values, ticket=ticket, tenant=ticket.tenant)
    outbound.from_address, outbound.reply_to = _sender(ticket.tenant, ticket)
    outbound.subject, outbound.body_text, outbound.body_html = composed
    outbound.in_reply_to, outbound.references = thread.in_reply_to[:255], thread.references
    outbound.save(
        update_fields=["from_address", "reply_to", "subject", "body_text", "body_html", "in_reply_to", "references"]
    )
    return True


def _record_failure(outbound: OutboundEmail, error: Exception, *, final: bool) -> None:
    fields = {"attempts": outbound.attempts + 1, "last_error": f"{type(error).__name__}: {error}"[:2000]}
    if final:
        fields["status"] = OutboundEmail.Status.FAILED
        if outbound.kind in SECRET_KINDS:
            fields.update(body_text=SCRUBBED, body_html="")
    OutboundEmail.objects.filter(pk=outbound.pk).update(**fields)


def _build(outbound: OutboundEmail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{outbound.email_message_id}>",
        "X-Tessera-Tenant": outbound.tenant.slug,
    }
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in outbound.references.split())
    if outbound.kind in AUTO_SUBMITTED:
        headers["Auto-Submitted"] = AUTO_SUBMITTED[outbound.kind]
        headers["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office replies to automatic mail
    mail = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=outbound.from_address or settings.DEFAULT_FROM_EMAIL,
        to=[outbound.to_address],
        reply_to=[outbound.reply_to] if outbound.reply_to else None,
        headers=headers,
    )
    if outbound.body_html:
        mail.attach_alternative(outbound.body_html, "text/html")
    return mail


# --- Composing --------------------------------------------------------------------------------------------------


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


def _ticket_recipient(ticket: Ticket) -> str | None:
    """The one address a ticket's mail may go to: its contact's. None while replaying history."""
    if clock.is_replaying():
        return None
    contact = ticket.contact
    return contact.email or None


def _is_known_address(email: str) -> bool:
    return (
        Contact.objects.filter(email=email).exists()
        or Membership.objects.filter(user__email=email, is_active=True).exists()
    )


def _over_limit(kind: str, email: str, *, before: OutboundEmail | None = None) -> bool:
    """Whether `email` had its hourly share of `kind` already; `before`: a queued row, counting the ones
    queued before it in the hour before it was."""
    if kind not in RATE_LIMITED_KINDS:
        return False
    rows = OutboundEmail.objects.filter(to_address=email, kind=kind)
    if before is None:
        rows = rows.filter(created_at__gte=timezone.now() - timedelta(hours=1))
    else:
        rows = rows.filter(created_at__gte=before.created_at - timedelta(hours=1), pk__lt=before.pk)
    sent = rows.count()
    if sent >= MAILS_PER_RECIPIENT_PER_HOUR:
        logger.info("Not mailing %s to %s: %s in the last hour", kind, email, sent)
        return True
    return False


def _check_scope(tenant: Tenant) -> None:
    if current_tenant_id() != tenant.pk:
        raise ServiceError("Mail for a help desk is written in its own tenant scope.")


def _check_link(tenant: Tenant, link: str) -> None:
    """A link we mail points at the tenant's own host, never at one a request or a caller made up."""
    if not link.startswith(tenant.url("/")):
        raise ServiceError("Links in a help desk's mail point at its own host.")
