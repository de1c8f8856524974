"""The columns of a ticket export and the rows, read with one query through a server-side cursor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime

from django.db import connections
from django.db.models import CharField, F, Func, QuerySet

from reporting.exports.cursor import server_side_rows
from tickets.custom_fields.definitions import FieldDef, field_definitions
from tickets.lifecycle import Status
from tickets.models import Channel, Priority, Ticket

# (header, column read); moments are written in the tenant's zone (named in their header).
BASE_COLUMNS = (
    ("Reference", "number"),
    ("Subject", "subject"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("Queue", "queue__name"),
    ("Team", "team__name"),
    ("Category", "category__name"),
    ("Subcategory", "subcategory__name"),
    ("Channel", "channel"),
    ("Requester", "contact__name"),
    ("Requester email", "contact__email"),
    ("Organisation", "contact__organisation__name"),
    ("Assignee", "assignee__user__full_name"),
    ("Assignee email", "assignee__user__email"),
    ("Escalation level", "escalation_level"),
    ("Created", "created_at"),
    ("Updated", "updated_at"),
    ("First response", "first_response_at"),
    ("Resolved", "resolved_at"),
    ("Closed", "closed_at"),
    ("Next due", "next_due_at"),
)
MOMENTS = frozenset({"created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "next_due_at"})
LABELS = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
    "channel": dict(Channel.choices),
}
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


class LocalTime(Func):
    """A moment as text in a zone, "2026-03-01 10:00:00", formatted by PostgreSQL (a spreadsheet reads it as a date
    and time; 100,000 rows need no Python datetime per cell). Elsewhere (SQLite) the moment itself, formatted in
    Python by TicketExport, which reads the column itself there."""

    def __init__(self, expression, *, zone_name: str):
        super().__init__(expression)
        self.zone_name = zone_name

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')", (*params, self.zone_name)

    @property
    def output_field(self):
        return CharField()


class TicketExport:
    """The header and rows of an export of `tickets` (already scoped, filtered and ordered), every custom field
    of the tenant a column of its own (archived ones too: their values are still on the tickets)."""

    def __init__(self, tickets: QuerySet[Ticket], *, tenant, zone) -> None:
        self.tickets = tickets
        self.tenant = tenant
        self.zone = zone
        self.fields: tuple[FieldDef, ...] = field_definitions()

    @property
    def header(self) -> list[str]:
        zone = str(self.zone)
        base = [f"{header} ({zone})" if read in MOMENTS else header for header, read in BASE_COLUMNS]
        return base + [field.label + (" (archived)" if field.archived else "") for field in self.fields]

    def count(self) -> int:
        return self.tickets.order_by().count()

    def _values(self) -> QuerySet:
        if connections[self.tickets.db].vendor != "postgresql":
            return self.tickets.values_list(*(read for _, read in BASE_COLUMNS), "custom_fields")
        moments = {f"_{read}": LocalTime(F(read), zone_name=str(self.zone)) for read in MOMENTS}
        reads = [f"_{read}" if read in MOMENTS else read for _, read in BASE_COLUMNS]
        return self.tickets.annotate(**moments).values_list(*reads, "custom_fields")

    def rows(self) -> Iterator[list[object]]:
        """Each ticket as a list of cells. Call inside a transaction with the tenant in scope: the cursor lives
        on the server and hands over a chunk of rows at a time, so memory does not grow with the export."""
        prefix = f"{self.tenant.ticket_prefix}-"
        convert: list[tuple[int, Callable]] = [(0, lambda number: prefix + str(number))]
        for i, (_, read) in enumerate(BASE_COLUMNS):
            if read in LABELS:
                convert.append((i, lambda value, labels=LABELS[read]: labels.get(value, value)))
            elif read in MOMENTS:
                convert.append((i, self._moment))
        fields = self.fields
        for values in server_side_rows(self._values()):
            cells = list(values[:-1])
            for i, function in convert:
                if cells[i] is not None:
                    cells[i] = function(cells[i])
            if fields:
                custom = values[-1] or {}
                if isinstance(custom, str):  # jsonb arrives as text from a raw cursor (Django's loader)
                    custom = json.loads(custom)
                cells.extend(field.display(custom.get(field.key)) for field in fields)
            yield cells

    def _moment(self, value: object) -> object:
        if isinstance(value, datetime):  # SQLite: formatted here, as PostgreSQL does it
            return value.astimezone(self.zone).strftime(LOCAL_FORMAT)
        return value
