"""Tickets and SLA targets are vacuumed after 1 % of their rows change (reporting 0007): the dashboard's
index-only counts need their recent pages marked all-visible. Tickets' statistics are gathered at the default
10 % (reporting 0009): with the search vector's statistics target each ANALYZE samples 300,000 rows."""

from __future__ import annotations

import pytest
from django.db import connection


def _options(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    return set(options or [])


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["tickets_ticket", "sla_slatarget"])
def test_the_dashboards_tables_are_vacuumed_after_one_percent_changed(table):
    # given the migrated database, when the table's storage options are read
    options = _options(table)
    # then deletes/updates and inserts each trigger a vacuum at 1 % rather than the default 20 %
    assert options >= {"autovacuum_vacuum_scale_factor=0.01", "autovacuum_vacuum_insert_scale_factor=0.01"}


@pytest.mark.django_db
def test_tickets_statistics_are_gathered_at_the_default_threshold():
    # given the migrated database, when the tickets table's storage options are read
    options = _options("tickets_ticket")
    # then ANALYZE follows the server's default, while SLA targets' (a small row, no search vector) stays at 1 %
    assert not any(option.startswith("autovacuum_analyze_scale_factor") for option in options)
    assert "autovacuum_analyze_scale_factor=0.01" in _options("sla_slatarget")
