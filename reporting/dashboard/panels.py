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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.db.models import Avg, Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from reporting.dashboard.periods import Window
from sla.models import SlaTarget, TargetKind
from tenancy.models import Membership
from tenancy.roles import STAFF_ROLES
from tenancy.selectors import list_staff
from tickets.lifecycle import OPEN_STATUSES, Status
from tickets.models import Priority, SatisfactionRating, Ticket, TicketEvent
from tickets.picklists import picklists
from tickets.selectors import sees_every_queue, visible_tickets

RUNNING = SlaTarget.State.RUNNING
OPEN_ORDER = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
RISK_LIMIT = 25
KIND_LABELS = dict(TargetKind.choices)
PRIORITY_LABELS = dict(Priority.choices)


# --- Scope -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The tickets a dashboard counts: every ticket the member may see (the supervisor's desk), or an agent's own
    part of it (the queues of their teams and the tickets assigned to them)."""

    membership: Membership
    tickets: QuerySet[Ticket]
    personal: bool
    # False when `tickets` is every ticket of the tenant: the other tables need no subquery then.
    restricted: bool
    # The personal part as conditions on the ticket's own columns: implied by `tickets`, repeated on the joined
    # ticket so PostgreSQL starts from the member's tickets (the assignee index) rather than from the subquery.
    mine: Q = field(default_factory=Q)

    def on_tickets(self, path: str = "ticket") -> Q:
        """The scope as a condition on a row that points at a ticket through `path`."""
        if not self.restricted:
            return Q()
        return Q(**{f"{path}__in": self.tickets.values("pk")}) & _prefixed(self.mine, path)

    def narrowed(self, condition: Q) -> Scope:
        return Scope(self.membership, self.tickets.filter(condition), True, True, self.mine & condition)

    @cached_property
    def census(self) -> OpenCensus:
        """The open tickets counted once per request for the backlog, the unassigned and the agents' loads."""
        return open_census(self)


def _prefixed(condition: Q, path: str) -> Q:
    """`condition` on the ticket, written from a row that points at it through `path`."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = condition.connector, condition.negated
    rewritten.children = [
        _prefixed(child, path) if isinstance(child, Q) else (f"{path}__{child[0]}", child[1])
        for child in condition.children
    ]
    return rewritten


def desk_scope(membership: Membership) -> Scope:
    return Scope(membership, visible_tickets(membership), personal=False, restricted=not sees_every_queue(membership))


def personal_scope(membership: Membership) -> Scope:
    # The queues of the member's teams as ids from the picklists: a list PostgreSQL matches on the ticket's own
    # column, where a join to the queues and a subquery on the teams made it visit every open ticket's row.
    lists = picklists()
    teams = lists.member_teams.get(membership.pk, frozenset())
    mine = Q(assignee=membership) | Q(queue_id__in=[queue.pk for queue in lists.queues if queue.team_id in teams])
    return Scope(membership, visible_tickets(membership).filter(mine), personal=True, restricted=True, mine=mine)


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


@dataclass(frozen=True)
class OpenCensus:
    per_queue_status: dict[tuple[int, str], int]
    per_assignee: dict[int | None, int]  # None: unassigned


def open_census(scope: Scope) -> OpenCensus:
    """Open tickets per queue and status and per assignee, summed from one GROUP BY of all three: the open
    tickets' own index (reporting_ticket_open_backlog) is in that order, so PostgreSQL counts its entries as they
    come, without visiting the table or hashing (a few hundred groups; each figure's own GROUP BY read the 100,000
    open tickets again)."""
    per_queue_status: dict[tuple[int, str], int] = defaultdict(int)
    per_assignee: dict[int | None, int] = defaultdict(int)
    groups = scope.tickets.filter(is_open=True).order_by().values_list("queue_id", "status", "assignee_id")
    for queue_id, status, assignee_id, n in groups.annotate(n=Count("*")):
        per_queue_status[queue_id, status] += n
        per_assignee[assignee_id] += n
    return OpenCensus(dict(per_queue_status), dict(per_assignee))


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


# --- Targets at risk and breached -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    number: int
    reference: str
    subject: str
    kind: str
    due_at: datetime
    breached: bool
    at_risk: bool
    queue_name: str
    priority: str
    assignee_id: int | None
    assignee_name: str


@dataclass(frozen=True)
class DueList:
    rows: list[DueRow]
    at_risk: int
    breached: int
    limit: int = RISK_LIMIT
    message: str = ""
    error: str = ""

    @property
    def more(self) -> int:
        return max(self.at_risk + self.breached - len(self.rows), 0)


def _closed_with_running_clocks() -> QuerySet:
    """Closed tickets whose running targets SLA has not stopped yet: it stops them from the change feed and
    empties the ticket's next_due_at in the same transaction, so these are the closed tickets with a next due time
    (none once the feed is drained; read from the closed end of ticket_open_due)."""
    return Ticket.objects.filter(is_open=False, next_due_at__isnull=False).values_list("pk", flat=True)


def due_targets(scope: Scope, now: datetime, *, tenant, warned_only: bool = True, limit: int = RISK_LIMIT) -> DueList:
    """Running targets of open tickets, soonest due first (the most overdue at the top); with `warned_only`,
    only those at risk or breached. Four queries: the closed tickets SLA has not caught up with, the breached
    and the at-risk counts, and the first `limit` rows; on an agent's own tickets their ids first."""
    if scope.restricted:
        # An agent's own tickets (the only part of the desk with a due list of its own): their ids first, then
        # their targets by ticket. As one statement PostgreSQL walked every running target due by now (it expects
        # a hundredth of them) and looked each one's ticket up.
        mine = list(scope.tickets.filter(is_open=True).values_list("pk", flat=True))
        running = SlaTarget.objects.filter(ticket_id__in=mine, state=RUNNING, due_at__isnull=False)
    else:
        running = SlaTarget.objects.filter(state=RUNNING, due_at__isnull=False)
    # The counts leave out the tickets closed before SLA stopped their clocks by the list of those tickets, not
    # by a look at each target's ticket: with thousands of targets past their warning, one probe each was most of
    # the dashboard's time. The list is read first (normally empty) so that the counts keep their plans: as a
    # subquery PostgreSQL expects tens of thousands of such tickets and reads the targets from the table.
    closed = list(_closed_with_running_clocks())
    counted = running.exclude(ticket_id__in=closed) if closed else running
    # Two ranges of plain columns (reporting 0005): breached from reporting_slatarget_due, at risk from
    # reporting_slatarget_warned, each counted from its index alone (an agent's tickets are a filter on it).
    breached = counted.filter(due_at__lte=now).count()
    # The due time as the aggregate's filter, not the WHERE's: as a range it led PostgreSQL to read every target
    # due later from reporting_slatarget_due rather than the few past their warning.
    ahead = Q(due_at__gt=now)
    at_risk = counted.filter(warn_at__lte=now).aggregate(n=Count("ticket_id", filter=ahead))["n"]
    targets = running.filter(ticket__is_open=True)
    # Past its warning, or (without one) past its due time, as one COALESCE: not an index range, so PostgreSQL
    # walks reporting_slatarget_due in due order and stops at the limit (as two ranges it expected a few
    # hundred rows, fetched all 22,000 and sorted them).
    warned = Q(attention__lte=now)
    listed = (targets.alias(attention=Coalesce("warn_at", "due_at")).filter(warned)) if warned_only else targets
    rows = listed.order_by("due_at", "id").values(
        "kind", "due_at", "warn_at", "ticket__number", "ticket__subject", "ticket__priority", "ticket__queue__name",
        "ticket__assignee_id", "ticket__assignee__user__full_name", "ticket__assignee__user__email",
    )[:limit]  # fmt: skip
    return DueList(
        [
            DueRow(
                number=row["ticket__number"],
                reference=tenant.format_ticket_number(row["ticket__number"]),
                subject=row["ticket__subject"],
                kind=KIND_LABELS.get(row["kind"], row["kind"]),
                due_at=row["due_at"],
                breached=row["due_at"] <= now,
                at_risk=row["due_at"] > now and (row["warn_at"] is not None and row["warn_at"] <= now),
                queue_name=row["ticket__queue__name"],
                priority=PRIORITY_LABELS.get(row["ticket__priority"], ""),
                assignee_id=row["ticket__assignee_id"],
                assignee_name=row["ticket__assignee__user__full_name"] or row["ticket__assignee__user__email"] or "",
            )
            for row in rows
        ],
        at_risk=at_risk,
        breached=breached,
        limit=limit,
    )


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
