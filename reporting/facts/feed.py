"""The facts' change-feed subscriber (registered in ReportingConfig.ready): a change that moved a ticket's
status refreshes that ticket's facts from its events. Replayed history too (imports, the demo): the reports
count it like any other."""

from __future__ import annotations

from reporting.facts.services import refresh_ticket_facts
from tickets.feed.batching import TicketBatch
from tickets.feed.registry import Change

FEED_SUBSCRIBER = "reporting.ticket_facts"

# A batch's tickets refreshed in one pass (three statements, not three per change).
batch = TicketBatch("reporting_facts_batch", lambda ticket_ids: refresh_ticket_facts(ticket_ids=ticket_ids))


def accepts_change(change: Change) -> bool:
    return any(event.field == "status" for event in change.events)


def handle_change(change: Change) -> None:
    if not batch.collect(change):
        refresh_ticket_facts(ticket_ids=[change.ticket_id])
