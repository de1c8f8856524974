"""The dashboard's figures, each one query (two for created vs resolved), aggregated in PostgreSQL.

Definitions, in the words the page shows beside them:
- backlog: open tickets (new, open, pending, on hold) per queue and status, now;
- at risk: a running SLA target whose warning time has passed and whose due time has not; breached now: a running
  target past its due time (the ticket is still waiting). Paused targets have no due time and are not listed;
- unassigned: open tickets with no assignee; the longest wait is the age of the oldest of them;
- agents: active staff members by availability, and each online member's open assigned tickets against the
  capacity set on their membership;
- created today: tickets created since local midnight, spam and merged tickets left out; resolved today: tickets
  moved from an open status to resolved or closed since local midnight (from the audit trail, so a ticket reopened
  later still counts for the day it was resolved; a ticket resolved twice in one day counts once);
- SLA compliance: targets decided in the period: met on time (by when they were met), against breached (met late,
  by when they were met, or still running past a due time that fell in the period);
- CSAT: ratings given in the period: their average (1 to 5) and the share of 4 and 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

# The scope and the at-risk list live in modules of their own; the views and tests reach every panel from here.
from reporting.dashboard.due import RISK_LIMIT, DueList, DueRow, due_targets  # noqa: F401
from reporting.dashboard.periods import Window
from reporting.dashboard.scope import OpenCensus, Scope, desk_scope, open_census, personal_scope  # noqa: F401
from sla.models import SlaTarget
from tenancy.models import Membership
from tenancy.roles import STAFF_ROLES
from tenancy.selectors import list_staff
from tickets.lifecycle import OPEN_STATUSES, Status
from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.picklists import picklists

RUNNING = SlaTarget.State.RUNNING
OPEN_ORDER = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

# --- Backlog ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogRow:
    queue_id: int
    queue_name: str
    cells: list[int]  # per status, in OPEN_ORDER
    total: int


@dataclass(frozen=True)
class Backlog:
    statuses: list[tuple[str, str]]
    rows: list[BacklogRow]
    totals: list[int]
    total: int


def backlog(scope: Scope) -> Backlog:
    """Open tickets per queue and status, from the census; the queues' names come from the picklists."""
    names = {queue.pk: queue.name for queue in picklists().queues}
    by_queue: dict[int, dict] = {}
    for (queue_id, status), n in scope.census.per_queue_status.items():
        entry = by_queue.setdefault(queue_id, {"name": names.get(queue_id, ""), "cells": {}})
        entry["cells"][status] = n
    rows = []
    for queue_id, entry in sorted(by_queue.items(), key=lambda item: item[1]["name"].lower()):
        cells = [entry["cells"].get(status, 0) for status in OPEN_ORDER]
        rows.append(BacklogRow(queue_id, entry["name"], cells, sum(cells)))
    totals = [sum(row.cells[i] for row in rows) for i in range(len(OPEN_ORDER))]
    return Backlog([(s.value, s.label) for s in OPEN_ORDER], rows, totals, sum(totals))


# --- Unassigned ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unassigned:
    count: int
    oldest: datetime | None


def unassigned(scope: Scope) -> Unassigned:
    """The count from the census; the oldest is the first entry of reporting_ticket_unassigned_age (reporting
    0005), where the same aggregate over the open tickets visited every unassigned one's row."""
    oldest = scope.tickets.filter(is_open=True, assignee__isnull=True).aggregate(oldest=Min("created_at"))["oldest"]
    return Unassigned(scope.census.per_assignee.get(None, 0), oldest)


# --- Agents ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentLoad:
    pk: int
    name: str
    availability: str
    load: int
    capacity: int

    @property
    def percent(self) -> int:
        return round(100 * self.load / self.capacity) if self.capacity else (100 if self.load else 0)

    @property
    def over(self) -> bool:
        return self.load > self.capacity


@dataclass(frozen=True)
class Agents:
    online: list[AgentLoad]
    away: int
    offline: int
    everyone: list[AgentLoad] = field(default_factory=list)


def _open_load() -> Subquery:
    per_member = (
        Ticket.objects.filter(assignee=OuterRef("pk"), is_open=True)
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(per_member, output_field=IntegerField()), Value(0))


def agents(scope: Scope) -> Agents:
    """Staff by availability, each with their open assigned tickets: from the census on the desk (every ticket);
    on a part of it (the personal view shows the member alone) with a count per member on the (tenant, assignee,
    is_open) index, since a member's load is all of their tickets, not the part the census saw."""
    members = list_staff() if not scope.personal else Membership.objects.filter(pk=scope.membership.pk)
    members = members.filter(role__in=STAFF_ROLES).order_by("user__full_name", "user__email", "pk")
    fields = ("pk", "user__full_name", "user__email", "availability", "capacity")
    if scope.restricted:
        rows = list(members.annotate(load=_open_load()).values(*fields, "load"))
    else:
        loads = scope.census.per_assignee
        rows = [{**row, "load": loads.get(row["pk"], 0)} for row in members.values(*fields)]
    everyone = [
        AgentLoad(r["pk"], r["user__full_name"] or r["user__email"], r["availability"], r["load"], r["capacity"])
        for r in rows
    ]
    online = [a for a in everyone if a.availability == Membership.Availability.ONLINE]
    online.sort(key=lambda a: (-a.percent, a.name.lower()))
    away = sum(1 for a in everyone if a.availability == Membership.Availability.AWAY)
    return Agents(online, away, len(everyone) - len(online) - away, everyone)


# --- Today's flow ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    created: int
    resolved: int


def flow(scope: Scope, window: Window) -> Flow:
    created = (
        scope.tickets.filter(created_at__gte=window.start, created_at__lt=window.end, merged_into__isnull=True)
        .exclude(status=Status.SPAM)
        .count()
    )
    resolved = (
        TicketEvent.objects.filter(
            scope.on_tickets(),
            # Resolutions are recorded as status_changed (a reopen is "reopened"): the kind leads the events'
            # reporting index (tenant, kind, created_at).
            kind="status_changed",
            field="status",
            created_at__gte=window.start,
            created_at__lt=window.end,
            new_value__in=DONE_STATUSES,
            old_value__in=OPEN_STATUSES,
            ticket__merged_into__isnull=True,
        )
        .values("ticket_id")
        .distinct()
        .count()
    )
    return Flow(created, resolved)


# --- SLA compliance --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    met: int
    breached: int

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


def compliance(scope: Scope, today: Window, week: Window) -> tuple[Compliance, Compliance]:
    """Today's and this week's compliance: the targets met (on time or late) this week in one pass over
    reporting_slatarget_decided, and the running ones whose due time fell this week in one over
    reporting_slatarget_due, each read from its index alone (as one statement with OR'ed conditions PostgreSQL read
    every row of both from the table)."""
    targets = SlaTarget.objects.filter(scope.on_tickets())
    met_in = {"met_at__gte": week.start, "met_at__lt": week.end}
    day = Q(met_at__gte=today.start, met_at__lt=today.end)
    met, late = Q(state=SlaTarget.State.MET), Q(state=SlaTarget.State.BREACHED)
    decided = targets.filter(state__in=(SlaTarget.State.MET, SlaTarget.State.BREACHED), **met_in).aggregate(
        day_met=Count("ticket_id", filter=met & day),
        day_late=Count("ticket_id", filter=late & day),
        week_met=Count("ticket_id", filter=met),
        week_late=Count("ticket_id", filter=late),
    )
    overdue = targets.filter(state=RUNNING, due_at__gte=week.start, due_at__lt=week.end).aggregate(
        day=Count("ticket_id", filter=Q(due_at__gte=today.start, due_at__lt=today.end)),
        week=Count("ticket_id"),
    )
    return (
        Compliance(decided["day_met"], decided["day_late"] + overdue["day"]),
        Compliance(decided["week_met"], decided["week_late"] + overdue["week"]),
    )


# --- CSAT ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    average: float | None
    satisfied: int

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.ratings, 1) if self.ratings else None


def satisfaction(scope: Scope, window: Window) -> Satisfaction:
    found = SatisfactionRating.objects.filter(
        scope.on_tickets(), created_at__gte=window.start, created_at__lt=window.end
    ).aggregate(n=Count("id"), average=Avg("score"), satisfied=Count("id", filter=Q(score__gte=4)))
    average = round(float(found["average"]), 2) if found["average"] is not None else None
    return Satisfaction(found["n"], average, found["satisfied"])
