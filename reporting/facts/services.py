"""Keep the per-ticket facts equal to what the events say (reporting.reports.data's definitions)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min

from reporting.facts.models import TicketFacts
from reporting.reports.data import RESOLUTION_Q
from tickets.models import Ticket, TicketEvent


def refresh_ticket_facts(*, ticket_ids: Iterable[int]) -> int:
    """Recompute the facts of these tickets (of the current tenant) from their resolution events; return how
    many rows now exist for them. Idempotent, and independent of the order changes arrive in.

    The tickets' rows are locked first: every service locks the ticket before recording its events, so once
    the lock is ours the events read next include every committed change, and two refreshes of one ticket
    (two drains, the backfill beside the feed) cannot end with the earlier one's view written last."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    with transaction.atomic():
        tickets = {
            row["pk"]: row
            for row in Ticket.objects.filter(pk__in=ids)
            .select_for_update(no_key=True)
            .order_by("pk")
            .values("pk", "tenant_id", "created_at", "is_open")
        }
        spans = (
            TicketEvent.objects.filter(RESOLUTION_Q, ticket_id__in=list(tickets))
            .order_by()
            .values("ticket_id")
            .annotate(first=Min("created_at"), last=Max("created_at"))
        )
        rows = [
            TicketFacts(
                tenant_id=tickets[span["ticket_id"]]["tenant_id"],
                ticket_id=span["ticket_id"],
                ticket_created_at=tickets[span["ticket_id"]]["created_at"],
                first_resolved_at=span["first"],
                final_resolved_at=None if tickets[span["ticket_id"]]["is_open"] else span["last"],
            )
            for span in spans
        ]
        kept = {row.ticket_id for row in rows}
        # A ticket with no resolution left (none recorded yet) has no row; events are never deleted, so this
        # only removes rows of tickets the facts were wrong about.
        TicketFacts.objects.filter(ticket_id__in=[pk for pk in ids if pk not in kept]).delete()
        TicketFacts.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tenant", "ticket"],
            update_fields=["ticket_created_at", "first_resolved_at", "final_resolved_at"],
        )
    return len(rows)
