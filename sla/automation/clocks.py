"""Since when a ticket has been pending or resolved, kept in sla.models.StatusClock for the job's candidate scan.

The truth is the ticket and its audit trail: a ticket is pending since the latest status event that moved it
there (its events' own times, so replayed history counts from when it happened), resolved since `resolved_at`.
`refresh_clock` writes that down (or removes the row for any other status); running it twice, late or out of
order changes nothing, since it reads the ticket as it is now, not the change that called it.
"""

from __future__ import annotations

from datetime import datetime

from sla.models import StatusClock
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent

WATCHED = {Status.PENDING: StatusClock.Watched.PENDING, Status.RESOLVED: StatusClock.Watched.RESOLVED}


def pending_since(ticket: Ticket) -> datetime:
    """When the ticket last became pending: its latest status event (or its creation, if created pending)."""
    latest = (
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .exclude(kind="resolution_blocked")
        .order_by("-created_at", "-id")
        .values_list("created_at", "new_value")
        .first()
    )
    if latest is not None and latest[1] == Status.PENDING:
        return latest[0]
    return ticket.created_at


def status_since(ticket: Ticket) -> datetime | None:
    if ticket.status == Status.PENDING:
        return pending_since(ticket)
    if ticket.status == Status.RESOLVED:
        return ticket.resolved_at
    return None


def is_watched(ticket: Ticket) -> bool:
    """The ticket has a clock: pending or resolved, and not merged into another."""
    return ticket.status in WATCHED and not ticket.merged_into_id


def refresh_clock(ticket: Ticket) -> StatusClock | None:
    """Make the ticket's clock row match the ticket (call it with the ticket read in the current transaction)."""
    watched = WATCHED.get(ticket.status)
    since = status_since(ticket) if is_watched(ticket) else None
    if since is None:
        StatusClock.objects.filter(ticket=ticket).delete()
        return None
    clock = StatusClock.objects.filter(ticket=ticket).first()
    if clock is None:
        return StatusClock.objects.create(ticket=ticket, status=watched, since=since)
    if (clock.status, clock.since) != (watched, since):
        clock.status, clock.since, clock.retry_after = watched, since, None
        clock.save(update_fields=["status", "since", "retry_after"])
    return clock


def refresh_clocks(*, ticket_ids: list[int]) -> int:
    """Refresh many tickets' clocks (the demo's seed, a backfill); returns how many are watched."""
    watched = 0
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
        watched += refresh_clock(ticket) is not None
    return watched


def refresh_locked_clocks(*, ticket_ids: set[int]) -> None:
    """Lock these tickets and make their clocks match them, as refresh_clock does one by one, for a drain batch:
    the tickets in one locking read (in id order, as every other batch locks them), the rows of tickets in no
    watched status (every new ticket) in one DELETE, the watched ones refreshed each."""
    tickets = list(
        Ticket.objects.filter(pk__in=sorted(ticket_ids))
        .select_for_update(of=("self",))
        .select_related("tenant")
        .defer("search_vector")
        .order_by("pk")
    )
    unwatched = [ticket.pk for ticket in tickets if not is_watched(ticket)]
    if unwatched:
        StatusClock.objects.filter(ticket_id__in=unwatched).delete()
    for ticket in filter(is_watched, tickets):
        refresh_clock(ticket)
