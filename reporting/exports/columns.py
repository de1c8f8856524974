"""The columns of a ticket export and the rows, read with one query through a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from tickets.custom_fields.definitions import FieldDef, field_definitions
from tickets.lifecycle import Status
from tickets.models import Channel, Priority, Ticket

CHUNK = 2000

# (header, column read); the formatting of each is in `_format` below.
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
LABELS = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
    "channel": dict(Channel.choices),
}


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
        custom = [field.label + (" (archived)" if field.archived else "") for field in self.fields]
        return [header for header, _ in BASE_COLUMNS] + custom

    def count(self) -> int:
        return self.tickets.order_by().count()

    def rows(self) -> Iterator[list[object]]:
        """Each ticket as a list of cells. Call inside a transaction with the tenant in scope: the cursor lives
        on the server and hands over CHUNK rows at a time, so memory does not grow with the export."""
        reads = [read for _, read in BASE_COLUMNS] + ["custom_fields"]
        prefix = f"{self.tenant.ticket_prefix}-"
        for values in self.tickets.values_list(*reads).iterator(chunk_size=CHUNK):
            cells = [self._format(read, value) for (_, read), value in zip(BASE_COLUMNS, values, strict=False)]
            cells[0] = prefix + str(values[0])
            custom = values[-1] or {}
            cells.extend(field.display(custom.get(field.key)) for field in self.fields)
            yield cells

    def _format(self, read: str, value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(self.zone)
        labels = LABELS.get(read)
        if labels is not None:
            return labels.get(value, value)
        return value
