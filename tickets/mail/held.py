"""Held mail: it claims a conversation, but the receiving host did not authenticate its From. An admin looks at it
and either releases it into the conversation (added as the customer's reply through the same services as any
mail, recorded in the audit as released by hand by that admin) or opens it as a new ticket.

Both are idempotent: the row is locked and only a HELD row is acted on, so a second click, or two admins at
once, change nothing the second time.
"""

from __future__ import annotations

from django.db import transaction

from tenancy.roles import Role
from tickets.mail import outcomes
from tickets.mail.addresses import SupportAddresses
from tickets.mail.parsing import ParsedEmail, parse_email
from tickets.models import Contact, InboundEmail, Ticket
from tickets.services.conversation import may_write
from tickets.services.events import Actor, ServiceError, record_event, require_role

Outcome = InboundEmail.Outcome
REFUSAL = "Only admins can release or open held mail."


def release_held_email(*, actor: Actor, inbound_id: int) -> InboundEmail:
    """Add a held mail to the ticket it claims as its sender's reply; a mail no longer held is left as it is."""
    member = require_role(actor, Role.ADMIN, REFUSAL)
    with transaction.atomic():
        inbound = _locked(inbound_id)
        if inbound.outcome != Outcome.HELD:
            return inbound
        claimed = Ticket.objects.select_related("tenant").filter(pk=inbound.ticket_id).first()
        if claimed is None:
            raise ServiceError("The ticket this mail claimed no longer exists: open it as a new ticket instead.")
        parsed = _parsed(inbound)
        contact = Contact.objects.filter(email=parsed.from_address).first()
        if contact is None or not may_write(claimed, contact):
            raise ServiceError(
                f"{parsed.from_address or 'The sender'} is neither the requester of {claimed.reference} nor copied "
                "on it any more: open the mail as a new ticket instead."
            )
        outcomes.append_reply(inbound, parsed, claimed, contact, "release by hand")
        landed = Ticket.objects.get(pk=inbound.ticket_id)
        record_event(
            landed,
            actor=member,
            kind="email_released",
            field="inbound_email",
            new=inbound.pk,
            reason="held email released into the conversation by hand",
        )
        if inbound.outcome == Outcome.APPENDED:
            inbound.reason = f"Released by hand into {landed.reference} (it was held: sender not authenticated)."
        else:  # a reply to a closed ticket opened a linked follow-up, as any reply would
            inbound.reason = f"Released by hand: {inbound.reason}"[:255]
        inbound.save(update_fields=["outcome", "reason", "ticket", "message"])
    return inbound


def open_held_email_as_ticket(*, actor: Actor, inbound_id: int) -> InboundEmail:
    """Open a held mail as a new ticket of its sender's (the claimed one is left alone); a mail no longer held
    is left as it is. The hourly limit of new tickets per sender does not apply: an admin asked for it."""
    member = require_role(actor, Role.ADMIN, REFUSAL)
    with transaction.atomic():
        inbound = _locked(inbound_id)
        if inbound.outcome != Outcome.HELD:
            return inbound
        claimed = Ticket.objects.filter(pk=inbound.ticket_id).first()
        parsed = _parsed(inbound)
        if not parsed.from_address:
            raise ServiceError("The mail has no valid From address to open a ticket for.")
        outcomes.open_new_ticket(inbound, parsed, SupportAddresses(), refused_on=None, how="", limit=False)
        opened = Ticket.objects.get(pk=inbound.ticket_id)
        record_event(
            opened,
            actor=member,
            kind="email_released",
            field="inbound_email",
            new=inbound.pk,
            reason="held email opened as a new ticket by hand",
        )
        claim = f" (it claimed {claimed.reference})" if claimed is not None else ""
        inbound.reason = f"Opened {opened.reference} by hand from held mail{claim}."
        inbound.save(update_fields=["outcome", "reason", "ticket", "message"])
    return inbound


def _locked(inbound_id: int) -> InboundEmail:
    # The tenant's default manager scopes this: another tenant's id is DoesNotExist (a 404 in the view).
    return InboundEmail.objects.select_for_update().get(pk=inbound_id)


def _parsed(inbound: InboundEmail) -> ParsedEmail:
    with inbound.raw.open("rb") as stored:
        return parse_email(stored.read())
