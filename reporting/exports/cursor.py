"""Read a large queryset through a server-side cursor, a chunk at a time, whatever the connection settings say.

The settings turn Django's own server-side cursors off (DISABLE_SERVER_SIDE_CURSORS: behind a transaction-mode
pooler a cursor must not outlive its transaction, and small lists need no DECLARE/FETCH round trips), so
`QuerySet.iterator()` would fetch a 100,000-row export whole into memory. An export opens its own named cursor
inside the transaction it runs in (which a pooler keeps on one server connection) and fetches CHUNK rows at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

CHUNK = 2000


def server_side_rows(queryset: QuerySet, *, chunk: int = CHUNK) -> Iterator[tuple]:
    """The rows of a values_list() queryset as raw tuples (no field converters: JSON arrives as text). Call inside
    a transaction; on SQLite (the demo) the plain cursor already fetches lazily."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from (tuple(row) for row in queryset.iterator(chunk_size=chunk))
        return
    if not connection.in_atomic_block:
        raise RuntimeError("A server-side cursor needs a transaction: call this inside transaction.atomic().")
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return
    connection.ensure_connection()
    with connection.connection.cursor() as plain:
        # The export reads every row: plan for the whole result (hash joins, one sort), not for the first rows
        # as a cursor's plan otherwise does (cursor_tuple_fraction 0.1: a nested loop of index probes per row).
        plain.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    with connection.connection.cursor(name=f"reporting_{uuid.uuid4().hex}") as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows
