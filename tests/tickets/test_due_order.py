"""The "SLA due" sort puts tickets without a due time last on every database: PostgreSQL does so by itself, the
demo's SQLite sorts NULL first unless told."""

from __future__ import annotations

from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from tenancy.context import unscoped
from tickets.models import Ticket
from tickets.selectors import SORTS


def test_the_due_sort_puts_tickets_without_a_due_time_last_on_sqlite(tmp_path, django_db_blocker):
    # given the demo's kind of database with a closed ticket (no due time) numbered before two open ones
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "d"),
        "OPTIONS": {},
    }
    sqlite = DatabaseWrapper(settings_dict, alias="sqlite-due-order")
    with django_db_blocker.unblock():
        _check(sqlite)


def _check(sqlite) -> None:
    try:
        sqlite.ensure_connection()
        sqlite.connection.execute("CREATE TABLE tickets_ticket (id integer, next_due_at text, priority text)")
        sqlite.connection.executemany(
            "INSERT INTO tickets_ticket VALUES (?, ?, ?)",
            [(1, None, "high"), (2, "2026-12-07 10:00:00", "high"), (3, "2026-12-06 10:00:00", "high")],
        )
        for sort in ("due", "priority"):
            # when the list is sorted as the desk sorts it
            with unscoped():
                query = Ticket.objects.order_by(*SORTS[sort]).values_list("id", flat=True).query
            sql, params = query.get_compiler(connection=sqlite).as_sql()
            # then the soonest due comes first and the ticket without one last
            assert [row[0] for row in sqlite.connection.execute(sql, params)] == [3, 2, 1], sort
    finally:
        sqlite.close()
