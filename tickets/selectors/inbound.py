"""Reads of received mail: the admins' log of what the intake made of each message."""

from __future__ import annotations

from django.db.models import QuerySet

from tickets.models import InboundEmail

RECENT_INBOUND = 50


def list_inbound_emails(*, outcome: str = "", limit: int = RECENT_INBOUND) -> list[InboundEmail]:
    """The latest received mails (optionally of one outcome), newest first, with their ticket numbers, in one
    query on the (tenant, outcome, received_at) index."""
    emails: QuerySet[InboundEmail] = InboundEmail.objects.select_related("ticket").only(
        "pk", "source", "from_address", "subject", "is_malformed", "outcome", "reason", "received_at", "size",
        "authenticated", "authentication", "ticket__number", "ticket__tenant_id",
    )  # fmt: skip
    if outcome:
        emails = emails.filter(outcome=outcome)
    return list(emails.order_by("-received_at", "-id")[:limit])


def count_held_emails() -> int:
    """Mail waiting for an admin's review (claims a conversation, sender not authenticated)."""
    return InboundEmail.objects.filter(outcome=InboundEmail.Outcome.HELD).count()
