"""The ticket's due columns, written by the SLA engine (which tickets never imports: it calls this).

A deadline is derived data, not a change to the ticket: the write leaves `updated_at` alone and records no
TicketEvent, so it makes no change-feed entry (SLA would otherwise hear its own writes) and the queue pages,
which sort by `next_due_at` on their indexes, simply read the new values. `next_due_at` is the earliest of the
three, or empty when no clock runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from tenancy.context import require_tenant_id
from tickets.models import Ticket


@dataclass(frozen=True)
class Deadlines:
    first_response: datetime | None = None
    next_update: datetime | None = None
    resolution: datetime | None = None

    @property
    def next_due(self) -> datetime | None:
        dues = [due for due in (self.first_response, self.next_update, self.resolution) if due is not None]
        return min(dues) if dues else None

    def columns(self) -> dict:
        return {
            "first_response_due_at": self.first_response,
            "next_update_due_at": self.next_update,
            "resolution_due_at": self.resolution,
            "next_due_at": self.next_due,
        }


def set_many_deadlines(*, rows: Iterable[tuple[int, Deadlines]]) -> int:
    """Write many tickets' due columns in one UPDATE ... FROM unnest(...) per call (the current tenant's tickets
    only: the statement filters by tenant too, and row-level security would refuse the rest anyway); returns how many
    changed."""
    rows = list(rows)
    if not rows:
        return 0
    tenant_id = require_tenant_id()
    if connection.vendor != "postgresql":
        return sum(Ticket.objects.filter(pk=pk).update(**d.columns()) for pk, d in rows)
    # One array per column (unnest), not a VALUES list: five parameters whatever the row count (the driver scans
    # every placeholder); rows whose columns already hold these values are not rewritten (no dead tuple, no index
    # entries for the queue indexes).
    ids, first, update, resolution, nearest = [], [], [], [], []
    for pk, d in rows:
        ids.append(pk)
        first.append(d.first_response)
        update.append(d.next_update)
        resolution.append(d.resolution)
        nearest.append(d.next_due)
    table = Ticket._meta.db_table
    sql = (
        f'UPDATE "{table}" AS t SET first_response_due_at = v.fr, next_update_due_at = v.nu, '  # noqa: S608 - our table
        "resolution_due_at = v.res, next_due_at = v.nd "
        "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[]) "
        "AS v(id, fr, nu, res, nd) WHERE t.id = v.id AND t.tenant_id = %s "
        "AND (t.first_response_due_at, t.next_update_due_at, t.resolution_due_at, t.next_due_at) "
        "IS DISTINCT FROM (v.fr, v.nu, v.res, v.nd)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, first, update, resolution, nearest, tenant_id])
        return cursor.rowcount
