from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction

from tickets import clock
from tickets.lifecycle import Status, is_open
from tickets.models import Ticket, TicketEvent
from tickets.search_index import forget_vector
from tickets.services.events import append_event

# Tickets whose row lock the current code already holds (see `holding`), by id.
_held: ContextVar[dict[int, Ticket] | None] = ContextVar("tickets_held_locks", default=None)


def lock(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket with a row lock: concurrent changes to one ticket queue up instead of overwriting.
    Inside `holding` the held instance is returned as it is: the lock is ours and the row has not moved since."""
    held = _held_instance(ticket)
    if held is not None:
        return held
    pk = ticket if isinstance(ticket, int) else ticket.pk
    # The search vector (kilobytes) is never read here: services only append to it in SQL (tickets.search_index).
    return Ticket.objects.select_for_update(of=("self",)).select_related("tenant").defer("search_vector").get(pk=pk)


def _held_instance(ticket: Ticket | int) -> Ticket | None:
    """The instance a caller's `holding` holds for this ticket, unless a failure since made it stale."""
    held = _held.get()
    instance = held.get(ticket if isinstance(ticket, int) else ticket.pk) if held else None
    return None if instance is None or getattr(instance, "_lock_stale", False) else instance


def lock_tickets(ids) -> dict[int, Ticket]:
    """`lock` for many tickets in one statement, in id order (the order every batch locks in, so two never
    deadlock), with their queues; tickets not found (or not this tenant's) are left out."""
    rows = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("tenant", "queue")
        .defer("search_vector")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )
    return {ticket.pk: ticket for ticket in rows}


def held_instance(ticket: Ticket) -> bool:
    """Whether `ticket` is the very instance a caller's `holding` holds (locked, and not stale)."""
    return _held_instance(ticket) is ticket


@contextmanager
def holding(*tickets: Ticket) -> Iterator[dict[int, Ticket]]:
    """For a caller that locked `tickets` and changes them through several services in one transaction
    (update_ticket, routing): those services reuse them instead of re-reading and re-locking the rows, and take no
    savepoint of their own. Yields the map of held tickets, for a caller that replaces an instance. If anything
    fails inside, the instances (changed in memory, rolled back in the database) are marked stale and are re-read
    by the next lock."""
    held = {**(_held.get() or {}), **{ticket.pk: ticket for ticket in tickets}}
    token = _held.set(held)
    try:
        yield held
    except BaseException:
        for instance in held.values():
            instance._lock_stale = True
        raise
    finally:
        _held.reset(token)


@contextmanager
def locked(ticket: Ticket | int) -> Iterator[Ticket]:
    """A service's transaction with the ticket locked. Under `holding` (whose caller's savepoint already makes the
    whole change one unit) it adds no savepoint and no query; an error still rolls back to that savepoint."""
    instance = _held_instance(ticket)
    if instance is not None:
        try:
            with transaction.atomic(savepoint=False):
                yield instance
        except BaseException:
            instance._lock_stale = True
            raise
        return
    with transaction.atomic():
        yield lock(ticket)


@dataclass
class Edit:
    """A change a per-field service made to a locked instance in memory: the columns it set (besides updated_at)
    and its audit events, not yet written. `write_edit` writes one; tickets.services.updates.update_tickets writes
    many tickets' together."""

    fields: tuple[str, ...]
    events: list[TicketEvent]


def write_edit(ticket: Ticket, edit: Edit | None) -> None:
    if edit is None:
        return
    save(ticket, *edit.fields)
    for event in edit.events:
        append_event(event)


def save(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*fields, "updated_at"])
    if "search_vector" in fields:
        forget_vector(ticket)  # the instance held the SQL that appended words: never run it twice


def set_status(ticket: Ticket, status: str, now) -> list[str]:
    """Apply a status and the columns that follow from it; return the changed field names."""
    ticket.status = status
    ticket.is_open = is_open(status)
    fields = ["status", "is_open"]
    if status == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif is_open(status) and ticket.resolved_at is not None:
        ticket.resolved_at = None
        fields.append("resolved_at")
    return fields
