"""The tickets of a drain batch, collected by a subscriber's `handle` and refreshed together at the batch's end.

For subscribers that recompute something per ticket from what the ticket is now (reporting's facts, SLA's
status clocks and targets): a batch then costs a few statements for all its tickets rather than a few per change.
Outside a batch (a batch with a failure is redone one change at a time) `collect` says no and the caller refreshes
the one ticket itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tickets.feed.registry import Change


class ChangeBatch:
    """`batch = ChangeBatch("name", refresh)`: register `batch` as the Subscriber's `batch`, and in `handle` call
    `batch.collect(change)` first. `refresh(changes_by_ticket)` runs once at the batch's end, inside its
    transaction, so what it writes commits with the batch's receipts; it gets each collected ticket with its changes
    in the order they were handed over."""

    def __init__(self, name: str, refresh: Callable[[dict[int, list[Change]]], object]) -> None:
        self._tickets: ContextVar[dict[int, list[Change]] | None] = ContextVar(name, default=None)  # per thread
        self._refresh = refresh

    def collect(self, change: Change) -> bool:
        """Keep the change (and its ticket) for the batch's end; False outside a batch."""
        tickets = self._tickets.get()
        if tickets is None:
            return False
        tickets.setdefault(change.ticket_id, []).append(change)
        return True

    @contextmanager
    def __call__(self, changes: list[Change]) -> Iterator[None]:
        tickets: dict[int, list[Change]] = {}
        token = self._tickets.set(tickets)
        try:
            yield
        finally:
            self._tickets.reset(token)
        if tickets:  # not reached when a change failed: the batch is rolled back and redone change by change
            self._refresh(tickets)


class TicketBatch(ChangeBatch):
    """A ChangeBatch whose `refresh(ticket_ids)` needs only which tickets changed."""

    def __init__(self, name: str, refresh: Callable[[set[int]], object]) -> None:
        super().__init__(name, lambda tickets: refresh(set(tickets)))
