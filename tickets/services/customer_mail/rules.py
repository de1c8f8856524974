"""Who a customer mail may go to and how often, and the constants of the mail kinds.

The anti-relay half of tickets.services.customer_mail: a ticket's mail goes only to its contact, a link only to an
address the tenant knows and only on the tenant's host, and the hourly cap per recipient. The send_* functions
(tickets.services.customer_mail.send) and the worker (.delivery) both ask here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from tenancy.context import current_tenant_id
from tenancy.models import Membership, Tenant
from tickets import clock
from tickets.lifecycle import Status
from tickets.models import Contact, OutboundEmail, Ticket
from tickets.services.events import ServiceError

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
# The subject of an acknowledgement queued by acknowledgement_to_write, until the worker writes it (a composed
# acknowledgement's subject always carries the ticket's reference, so it is never this).
TO_COMPOSE = ""


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
