from __future__ import annotations

from tickets import clock
from tickets.lifecycle import Status, is_open
from tickets.models import Ticket
from tickets.search_index import forget_vector


def lock(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket with a row lock: concurrent changes to one ticket queue up instead of overwriting."""
    pk = ticket if isinstance(ticket, int) else ticket.pk
    # The search vector (kilobytes) is never read here: services only append to it in SQL (tickets.search_index).
    return Ticket.objects.select_for_update(of=("self",)).select_related("tenant").defer("search_vector").get(pk=pk)


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
