"""The rows that open a ticket (its number, the ticket, its first message, its "created" event, the change
feed's outbox row when the transaction has not recorded one yet, and the acknowledgement's mail row and its task
when there is one), written together.

On PostgreSQL one statement takes the tenant's next number and inserts the rows (data-modifying CTEs): through
the ORM that was four or five round trips and ~0.6 ms of Python for the saves alone (the Ticket's forty-odd
fields went through the model's save machinery and a fresh insert compiler), on every intake. The values are
still the ORM's: each field goes through the insert compiler's own pre_save_val / prepare_value /
field_as_sql, so defaults, JSON, expressions (the search vector) and placeholders come out as Ticket.objects.create
would write them; the guard of TenantModel.save and the pre_save / post_save signals are kept. Elsewhere (SQLite,
the demo) each row is saved through the ORM, the number first. tests/tickets/test_opening.py compares the rows of
both ways column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import signals
from django.db.models.sql import InsertQuery

from tenancy.db.router import scope_alias
from tenancy.models import PendingTask
from tickets.models import Message, OutboundEmail, Ticket, TicketEvent

# The tenant's next number. The row lock serialises concurrent creation; a rollback returns the number, so numbers
# are gap-free and race-free.
NEXT_NUMBER_SQL = (
    "UPDATE tenancy_tenant SET last_ticket_number = last_ticket_number + 1 WHERE id = %s RETURNING last_ticket_number"
)


@dataclass
class OpeningMail:
    """A mail written with the ticket (the portal's acknowledgement): its row, made with the unsaved ticket, and
    its outbox task (tenancy.outbox.new_pending, kwargs empty: they become {"outbound_id": <the row's id>}),
    unsaved."""

    outbound: OutboundEmail
    task: PendingTask


def write_opening(
    *,
    ticket: Ticket,
    message: Message,
    event: TicketEvent,
    drain: PendingTask | None = None,
    mail: OpeningMail | None = None,
) -> None:
    """Give `ticket` the tenant's next number and insert it, `message` and `event` (made with `ticket`, unsaved),
    `drain` (the change feed's outbox row, tickets.feed.recording.drain_to_write) and `mail` when there are; their
    pks (and the message's, event's and mail's ticket_id, the mail task's outbound_id) are set as their saves
    would have set them. Publishing the outbox rows is the caller's."""
    if mail is not None and mail.task.kwargs:
        raise ValueError("The mail's task takes its only argument, the mail's id, from the statement.")
    rows = [ticket, message, event] + ([drain] if drain is not None else [])
    rows += [mail.outbound, mail.task] if mail is not None else []
    for obj in rows:
        obj.take_scope_tenant()
    alias = scope_alias()
    connection = connections[alias]
    if not _one_statement(connection):
        _save_each(ticket, message, event, drain, mail, alias)
        return
    for obj in rows:
        signals.pre_save.send(sender=type(obj), instance=obj, raw=False, using=alias, update_fields=None)
    of_ticket = {"ticket_id": "(SELECT id FROM t)"}
    parts = [
        ("n", NEXT_NUMBER_SQL, [ticket.tenant_id]),
        ("t", *_insert(connection, ticket, {"number": "(SELECT last_ticket_number FROM n)"})),
        ("m", *_insert(connection, message, of_ticket)),
        ("e", *_insert(connection, event, of_ticket)),
    ]
    if drain is not None:
        parts.append(("p", *_insert(connection, drain, {})))
    if mail is not None:
        parts.append(("o", *_insert(connection, mail.outbound, of_ticket)))
        parts.append(("q", *_insert(connection, mail.task, {"kwargs": OUTBOUND_KWARGS_SQL})))
    # Only names, column names, compiler placeholders and fixed SQL are joined; every value is a parameter.
    ctes = ", ".join(f"{name} AS ({part_sql})" for name, part_sql, _params in parts)
    ids = ", ".join(f"(SELECT id FROM {name})" for name, _sql, _params in parts[1:])  # noqa: S608
    sql = f"WITH {ctes} SELECT (SELECT last_ticket_number FROM n), {ids}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _name, _sql, params in parts for param in params])
        number, ticket.pk, message.pk, event.pk, *more = cursor.fetchone()
    if drain is not None:
        drain.pk = more.pop(0)
    ticket.number = number
    message.ticket_id = event.ticket_id = ticket.pk
    if mail is not None:
        mail.outbound.pk, mail.task.pk = more
        mail.outbound.ticket_id = ticket.pk
        mail.task.kwargs = {"outbound_id": mail.outbound.pk}
    for obj in rows:
        obj._state.adding, obj._state.db = False, alias
        # `opening`: the row came with its ticket, which no one can have read before this transaction commits (the
        # ticket page's cache needs no renewal for it: tickets.timeline_html).
        signals.post_save.send(
            sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=alias, opening=True
        )


# The mail task's kwargs, {"outbound_id": <the mail row's id>}, as the JSON column takes them.
OUTBOUND_KWARGS_SQL = "jsonb_build_object('outbound_id', (SELECT id FROM o))"


def _one_statement(connection) -> bool:
    return connection.vendor == "postgresql"


def _insert(connection, obj, replaced: dict[str, str]) -> tuple[str, list]:
    """`INSERT ... RETURNING id` of `obj` as the ORM's insert compiler writes it, with the SQL of `replaced`
    (by attname) in place of those fields' values."""
    sql, params = insert_sql(connection, obj, replaced)
    return f"{sql} RETURNING {connection.ops.quote_name(obj._meta.pk.column)}", params


def insert_sql(connection, obj, replaced: dict[str, str] | None = None) -> tuple[str, list]:
    """`INSERT INTO ... VALUES (...)` of `obj` as the ORM's insert compiler writes it (without RETURNING), with the
    SQL of `replaced` (by attname) in place of those fields' values."""
    replaced = replaced or {}
    meta = obj._meta
    if meta.db_returning_fields != [meta.pk]:
        raise TypeError(f"{meta.label} returns more than its pk on insert: write it through the ORM.")
    fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    quote = connection.ops.quote_name
    columns, values, params = [], [], []
    for field in fields:
        columns.append(quote(field.column))
        if field.attname in replaced:
            values.append(replaced[field.attname])
            continue
        value = compiler.prepare_value(field, compiler.pre_save_val(field, obj))
        sql, field_params = compiler.field_as_sql(field, getattr(field, "get_placeholder", None), value)
        values.append(sql)
        params.extend(field_params)
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"  # noqa: S608
    return sql, params


def _save_each(
    ticket: Ticket,
    message: Message,
    event: TicketEvent,
    drain: PendingTask | None,
    mail: OpeningMail | None,
    alias: str,
) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(NEXT_NUMBER_SQL, [ticket.tenant_id])
        ticket.number = cursor.fetchone()[0]
    ticket.save(force_insert=True, using=alias)
    message.ticket = event.ticket = ticket  # their ticket_id was taken while the ticket had no pk
    message.save(force_insert=True, using=alias)
    event.save(force_insert=True, using=alias)
    if drain is not None:
        drain.save(force_insert=True, using=alias)
    if mail is not None:
        mail.outbound.ticket = ticket
        mail.outbound.save(force_insert=True, using=alias)
        mail.task.kwargs = {"outbound_id": mail.outbound.pk}
        mail.task.save(force_insert=True, using=alias)
