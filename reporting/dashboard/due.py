"""The dashboard's running SLA targets at risk and breached: the counts and the soonest due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from reporting.dashboard.scope import Scope
from sla.models import SlaTarget, TargetKind
from tenancy.db.lookups import AnyOf
from tickets.models import Priority, Ticket

RUNNING = SlaTarget.State.RUNNING
RISK_LIMIT = 25
KIND_LABELS = dict(TargetKind.choices)
PRIORITY_LABELS = dict(Priority.choices)


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
        running = SlaTarget.objects.filter(AnyOf(F("ticket_id"), mine), state=RUNNING, due_at__isnull=False)
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
