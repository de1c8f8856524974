"""Covering indexes: INCLUDE on PostgreSQL, declared only where the database has it (no models.W040 on SQLite)."""

import pytest
from django.db import connection, models

from tenancy.db.indexes import CoveringIndex
from tickets.models import Ticket


@pytest.mark.django_db
def test_covering_indexes_keep_include_on_postgresql():
    # given the ticket lists' covering indexes, as the migrations created them
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_ticket'")
        definitions = dict(cursor.fetchall())
    # then PostgreSQL has the INCLUDE columns, and the model declares them here
    assert "INCLUDE (is_open)" in definitions["ticket_queue_status_due"]
    assert "INCLUDE (status)" in definitions["ticket_due"]
    declared = {index.name: index.include for index in Ticket._meta.indexes}
    assert declared["ticket_queue_status_due"] == ("is_open",) and declared["ticket_due"] == ("status",)


def test_covering_index_is_plain_where_the_database_has_no_include(monkeypatch):
    # given a database without covering indexes (SQLite, the demo's: tests/tenancy/test_serve_demo.py migrates one and
    # sees no models.W040)
    monkeypatch.setattr(connection.features, "supports_covering_indexes", False)
    index = CoveringIndex(fields=["tenant", "next_due_at", "id"], name="ticket_due", include=["status"])
    # then the index declares no INCLUDE (so Django has nothing to warn about) while migrations still see it
    assert index.include == ()
    assert index == models.Index(fields=["tenant", "next_due_at", "id"], name="ticket_due", include=["status"])
    assert index.deconstruct()[0] == "django.db.models.Index"
