"""An automation's batch of held tickets written once at its end (`writing_later`), however many of its steps
changed each ticket.

Routing changes a new ticket's fields, may tag it, then assigns it: three UPDATEs of the same row in one
transaction, and none is HOT (`updated_at` and the assignee are indexed), so each added the row to every index of
the ticket table, the search index's ~100 keys included. Inside `writing_later`, `save_together` and
`record_events` keep what they are given; the block's end writes every ticket's edited columns in one UPDATE and
all the events in one INSERT, in the order they were made (so the audit trail and the feed read as before).

What runs inside must not read those tickets' rows or events back from the database, nor write them another
way: a caller keeps to steps it knows (routing.route.route_together: update_tickets, tag_tickets, assign_tickets)
and calls `write_now()` before any other. As a safety net an event appended one at a time (`append_event`) writes
what is kept first. A failure inside discards what is kept: the transaction it belongs to is rolled back anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from tickets.models import Ticket, TicketEvent


@dataclass
class Kept:
    tickets: dict[int, tuple[Ticket, set[str]]] = field(default_factory=dict)
    events: list[TicketEvent] = field(default_factory=list)
    writing: bool = False  # written (or being written): keep nothing more

    def add_tickets(self, edited: list[tuple[Ticket, set[str]]]) -> None:
        for ticket, fields in edited:
            kept = self.tickets.get(ticket.pk)
            if kept is not None and kept[0] is not ticket:
                raise ValueError(f"Ticket #{ticket.pk} was edited through two instances in one batch.")
            self.tickets[ticket.pk] = (ticket, (kept[1] if kept else set()) | fields)


_kept: ContextVar[Kept | None] = ContextVar("tickets_writing_later", default=None)


def keeping() -> Kept | None:
    """What the current batch keeps, if writes are being kept (save_together and record_events ask)."""
    kept = _kept.get()
    return kept if kept is not None and not kept.writing else None


@contextmanager
def writing_later() -> Iterator[None]:
    """Keep the ticket writes and events of the block (see the module) and write them when it ends."""
    kept = Kept()
    token = _kept.set(kept)
    try:
        yield
    finally:
        _kept.reset(token)
    _write(kept)  # not reached when the block raised


def write_now() -> None:
    """Write what the current batch kept so far and keep nothing more (a step that is not kept follows)."""
    kept = _kept.get()
    if kept is not None:
        _write(kept)


def _write(kept: Kept) -> None:
    from tickets.services.events import record_events
    from tickets.services.updates import save_together

    if kept.writing:
        return
    kept.writing = True
    # Events after the rows: as each step wrote them. Their foreign keys are checked at commit either way.
    save_together(list(kept.tickets.values()))
    record_events(kept.events)
