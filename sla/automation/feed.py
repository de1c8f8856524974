"""The automation's change-feed subscriber (registered in SlaConfig.ready): keeps each ticket's StatusClock.

It takes every change that records a status (any path: a reply that sets pending, a customer's answer, a
merge) and replayed history too (the demo's and an import's tickets need their clocks, from the events' own
times). It only writes the clock row: nothing is sent, so replay needs no special care. Its own changes come
back to it as well: auto-resolve moves a ticket's clock from pending to resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sla.automation.clocks import refresh_clock, refresh_locked_clocks
from tickets.feed.registry import Change
from tickets.services.common import lock

FEED_SUBSCRIBER = "sla.automation"

# The tickets of the batch being handed over, refreshed together at its end (a context variable: per thread).
_batched: ContextVar[set[int] | None] = ContextVar("sla_clocks_batch", default=None)


def accepts_change(change: Change) -> bool:
    return any(event.field == "status" or event.kind == "created" for event in change.events)


def handle_change(change: Change) -> None:
    tickets = _batched.get()
    if tickets is not None:
        tickets.add(change.ticket_id)
        return
    # Locked so a job acting on the ticket at the same time and this refresh do not interleave.
    refresh_clock(lock(change.ticket_id))


@contextmanager
def batch(changes: list[Change]) -> Iterator[None]:
    """Refresh a batch's tickets together (two statements for new tickets, not two per change). The dispatcher
    enters this inside the batch's transaction, so the clocks commit with the batch's receipts."""
    tickets: set[int] = set()
    token = _batched.set(tickets)
    try:
        yield
    finally:
        _batched.reset(token)
    if tickets:
        refresh_locked_clocks(ticket_ids=tickets)
