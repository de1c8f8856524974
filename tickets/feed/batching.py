"""The tickets of a drain batch, collected by a subscriber's `handle` and refreshed together at the batch's end.

For subscribers that recompute something per ticket from what the ticket is now (reporting's facts, SLA's
status clocks): a batch then costs a few statements for all its tickets rather than a few per change. Outside a
batch (a batch with a failure is redone one change at a time) `collect` says no and the caller refreshes the one
ticket itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tickets.feed.registry import Change


class TicketBatch:
    """`batch = TicketBatch("name", refresh)`: register `batch` as the Subscriber's `batch`, and in `handle` call
    `batch.collect(change)` first. `refresh(ticket_ids)` runs once at the batch's end, inside its transaction, so
    what it writes commits with the batch's receipts."""

    def __init__(self, name: str, refresh: Callable[[set[int]], object]) -> None:
        self._tickets: ContextVar[set[int] | None] = ContextVar(name, default=None)  # per thread
        self._refresh = refresh

    def collect(self, change: Change) -> bool:
        """Keep the change's ticket for the batch's end; False outside a batch."""
        tickets = self._tickets.get()
        if tickets is None:
            return False
        tickets.add(change.ticket_id)
        return True

    @contextmanager
    def __call__(self, changes: list[Change]) -> Iterator[None]:
        tickets: set[int] = set()
        token = self._tickets.set(tickets)
        try:
            yield
        finally:
            self._tickets.reset(token)
        if tickets:  # not reached when a change failed: the batch is rolled back and redone change by change
            self._refresh(tickets)
