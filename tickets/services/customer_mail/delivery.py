"""Sending (the task "tickets.send_outbound_email"): one pending OutboundEmail row out through SMTP, once,
with its outcome kept on the row; an acknowledgement queued unwritten is written here first."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from tickets.models import OutboundEmail, Ticket
from tickets.services.customer_mail.rules import (
    AUTO_SUBMITTED,
    MAX_SEND_ATTEMPTS,
    SCRUBBED,
    SECRET_KINDS,
    SENDING_LOCK_SECONDS,
    TO_COMPOSE,
    Kind,
    _over_limit,
)
from tickets.services.customer_mail.writing import _compose, _sender, _thread, _ticket_values
from tickets.timeline_html import forget_ticket

logger = logging.getLogger(__name__)


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
    forget_ticket(ticket_id=outbound.ticket_id, tenant_id=outbound.tenant_id)  # the update sends no signal
    return True


def awaits_composing(outbound: OutboundEmail) -> bool:
    """Whether this is a row acknowledgement_to_write left for the worker to write."""
    return outbound.kind == Kind.ACKNOWLEDGEMENT and outbound.subject == TO_COMPOSE


def compose_queued(*, outbound: OutboundEmail) -> bool:
    """Write a mail queued by acknowledgement_to_write (in the worker, under the sending lock): wording, sender and
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
    forget_ticket(ticket_id=outbound.ticket_id, tenant_id=outbound.tenant_id)  # the update sends no signal


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
