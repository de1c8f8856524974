"""The facts' change-feed subscriber (registered in ReportingConfig.ready): a change that moved a ticket's
status refreshes that ticket's facts from its events. Replayed history too (imports, the demo): the reports
count it like any other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reporting.facts.services import refresh_ticket_facts
from tickets.feed.registry import Change

FEED_SUBSCRIBER = "reporting.ticket_facts"

# The tickets of the batch being handed over, refreshed together at its end (a context variable: per thread).
_batched: ContextVar[set[int] | None] = ContextVar("reporting_facts_batch", default=None)


def accepts_change(change: Change) -> bool:
    return any(event.field == "status" for event in change.events)


def handle_change(change: Change) -> None:
    tickets = _batched.get()
    if tickets is not None:
        tickets.add(change.ticket_id)
    else:
        refresh_ticket_facts(ticket_ids=[change.ticket_id])


@contextmanager
def batch(changes: list[Change]) -> Iterator[None]:
    """Refresh a batch's tickets in one pass (three statements, not three per change). The dispatcher enters
    this inside the batch's transaction, so the refresh commits with the batch's receipts."""
    tickets: set[int] = set()
    token = _batched.set(tickets)
    try:
        yield
    finally:
        _batched.reset(token)
    refresh_ticket_facts(ticket_ids=tickets)
