"""The automation's change-feed subscriber (registered in SlaConfig.ready): keeps each ticket's StatusClock.

It takes every change that records a status (any path: a reply that sets pending, a customer's answer, a
merge) and replayed history too (the demo's and an import's tickets need their clocks, from the events' own
times). It only writes the clock row: nothing is sent, so replay needs no special care. Its own changes come
back to it as well: auto-resolve moves a ticket's clock from pending to resolved.
"""

from __future__ import annotations

from sla.automation.clocks import refresh_clock, refresh_locked_clocks
from tickets.feed.batching import TicketBatch
from tickets.feed.registry import Change
from tickets.services.common import lock

FEED_SUBSCRIBER = "sla.automation"

# A batch's tickets refreshed together: one locking read and one DELETE for new tickets, not two per change.
batch = TicketBatch("sla_clocks_batch", lambda ticket_ids: refresh_locked_clocks(ticket_ids=ticket_ids))


def accepts_change(change: Change) -> bool:
    return any(event.field == "status" or event.kind == "created" for event in change.events)


def handle_change(change: Change) -> None:
    if batch.collect(change):
        return
    # Locked so a job acting on the ticket at the same time and this refresh do not interleave.
    refresh_clock(lock(change.ticket_id))
