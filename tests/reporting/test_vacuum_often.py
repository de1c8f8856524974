"""Tickets and SLA targets are vacuumed after 1 % of their rows change (reporting 0007): the dashboard's
index-only counts need their recent pages marked all-visible."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["tickets_ticket", "sla_slatarget"])
def test_the_dashboards_tables_are_vacuumed_after_one_percent_changed(table):
    # given the migrated database, when the table's storage options are read
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    # then deletes/updates, inserts and statistics each trigger at 1 % rather than the default 10-20 %
    assert set(options or []) >= {
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_insert_scale_factor=0.01",
        "autovacuum_analyze_scale_factor=0.01",
    }
