"""Reads for supervisors' "At risk" view and the queue rows' flag: open tickets past a warning or a due.

At risk means a running target's warning has passed (amber); breached, its due (red). Both are read from the
target rows by time, not from what the sweep recorded, so a page shows the truth even while the sweep lags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery

from sla.models import SlaTarget, TargetKind
from tenancy import times
from tenancy.models import Membership
from tickets.models import Ticket
from tickets.selectors import list_rows, visible_tickets

RUNNING = SlaTarget.State.RUNNING


def at_risk_tickets(membership: Membership, *, now: datetime) -> QuerySet[Ticket]:
    """The open tickets this member may see with a running target past its warning or due, the least time left
    first (the ticket's next_due_at is its earliest running due: the queue pages' indexes serve the order)."""
    risky = SlaTarget.objects.filter(ticket_id=OuterRef("pk"), state=RUNNING).filter(
        Q(warn_at__lte=now) | Q(due_at__lte=now)
    )
    return (
        visible_tickets(membership)
        .filter(is_open=True, next_due_at__isnull=False)
        .filter(Exists(risky))
        .order_by("next_due_at", "id")
    )


@dataclass(frozen=True)
class RiskRow:
    ticket: Ticket
    tone: str  # amber (warning passed) or red (breached)
    target_label: str  # the running target nearest its due
    due_at: datetime
    due: str  # "in 40 min", "2 h overdue"

    @property
    def pk(self) -> int:  # the pager keeps the rows in the order of their ids
        return self.ticket.pk


def risk_rows(ids: list[int], *, now: datetime) -> list[RiskRow]:
    """A page of the view by ticket ids: the tickets with the queue list's columns, and their running targets
    (two queries whatever the page size)."""
    tickets = {ticket.pk: ticket for ticket in list_rows(ids)}
    nearest: dict[int, SlaTarget] = {}
    for target in SlaTarget.objects.filter(ticket_id__in=ids, state=RUNNING).exclude(due_at=None).order_by("due_at"):
        nearest.setdefault(target.ticket_id, target)
    rows = []
    for pk in ids:
        ticket, target = tickets.get(pk), nearest.get(pk)
        if ticket is None or target is None:
            continue
        label, overdue = times.due_label(target.due_at, now)
        tone = "red" if overdue or target.due_at <= now else "amber"
        rows.append(RiskRow(ticket, tone, TargetKind(target.kind).label, target.due_at, label))
    return rows


def risk_annotation() -> dict:
    """For the queue list's one query (tickets.selectors.LIST_ANNOTATIONS): each ticket's earliest warning among
    its running targets, `risk_at`; the row is amber once it passed (a correlated subquery on the target's
    unique (tenant, ticket, kind) index: at most three rows a ticket)."""
    earliest = (
        SlaTarget.objects.filter(ticket_id=OuterRef("pk"), state=RUNNING)
        .values("ticket_id")
        .annotate(first=Min("warn_at"))
        .values("first")
    )
    return {"risk_at": Subquery(earliest)}
