"""The percentile aggregate: the pure fallback, SQLite's registered aggregate and PostgreSQL agree."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from reporting.reports.sql import SQLITE_AGGREGATE, _SqlitePercentile, percentile_cont

VALUES = [1800.0, 3600.0, 230400.0, 7.0, 90.0]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([1800, 3600, 230400], 0.5, 3600),
        ([1800, 3600, 230400], 0.9, 185040),  # 3600 + 0.8 x (230400 - 3600)
        ([4, 1, 3, 2], 0.5, 2.5),
        ([5], 0.9, 5),
        ([], 0.5, None),
        ([None, 2, None], 0.5, 2),
        ([10, 20], 0.0, 10),
        ([10, 20], 1.0, 20),
    ],
)
def test_percentile_cont_interpolates_like_postgresql(values, fraction, expected):
    assert (
        percentile_cont(values, fraction) == pytest.approx(expected)
        if expected is not None
        else (percentile_cont(values, fraction) is None)
    )


def test_percentile_cont_refuses_a_fraction_outside_0_1():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile_cont([1, 2], 1.5)


def test_sqlite_aggregate_groups_like_percentile_cont():
    # given a SQLite database with the aggregate registered, two groups of values
    db = sqlite3.connect(":memory:")
    db.create_aggregate(SQLITE_AGGREGATE, 2, _SqlitePercentile)
    db.execute("CREATE TABLE t (g TEXT, v REAL)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [("a", v) for v in VALUES] + [("b", 1.0), ("b", 3.0), ("b", None)])
    # when the median and the 90th percentile are asked per group
    rows = db.execute(
        f"SELECT g, {SQLITE_AGGREGATE}(v, 0.5), {SQLITE_AGGREGATE}(v, 0.9) FROM t GROUP BY g ORDER BY g"
    ).fetchall()
    # then they are the pure function's answers (NULLs ignored, as PostgreSQL does)
    assert rows == [
        ("a", percentile_cont(VALUES, 0.5), percentile_cont(VALUES, 0.9)),
        ("b", 2.0, pytest.approx(2.8)),
    ]


@pytest.mark.django_db
def test_percentile_cont_matches_postgresql():
    # given the same values in PostgreSQL
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_cont(0.9) WITHIN GROUP (ORDER BY v) "
            "FROM unnest(%s::float8[]) AS v",
            [VALUES],
        )
        median, p90 = cursor.fetchone()
    # then the fallback computes the same numbers
    assert percentile_cont(VALUES, 0.5) == pytest.approx(median)
    assert percentile_cont(VALUES, 0.9) == pytest.approx(p90)


def test_percentile_aggregate_compiles_for_sqlite_through_django(tmp_path, django_db_blocker):
    # given a Django SQLite connection (the demo's database) and a query using the aggregate
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django.db.models import F
    from django.db.models.sql import Query

    from reporting.reports.sql import PercentileCont
    from tickets.models import Ticket

    settings_dict = {**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "d.db")}
    settings_dict.update(OPTIONS={}, USER="", PASSWORD="", HOST="", PORT="")
    sqlite = DatabaseWrapper(settings_dict, alias="sqlite-check")
    with django_db_blocker.unblock():
        query = Query(Ticket)
        query.add_annotation(PercentileCont(F("priority"), fraction=0.9), "p90", select=True)
        sql, _ = query.get_compiler(connection=sqlite).compile(query.annotations["p90"])
        # then it calls the registered aggregate, which the connection now knows
        assert sql.startswith(f"{SQLITE_AGGREGATE}(") and sql.endswith(", 0.9)")
        assert sqlite.connection.execute(f"SELECT {SQLITE_AGGREGATE}(1, 0.5)").fetchone() == (1.0,)
        sqlite.close()


def test_filtered_percentile_compiles_and_runs_on_sqlite(tmp_path, django_db_blocker):
    # given a Django SQLite connection and a percentile over only some rows (FILTER), as the speed report asks
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django.db.models import F, Q
    from django.db.models.sql import Query

    from reporting.reports.sql import PercentileCont
    from tickets.models import Ticket

    settings_dict = {**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "d.db")}
    settings_dict.update(OPTIONS={}, USER="", PASSWORD="", HOST="", PORT="")
    sqlite = DatabaseWrapper(settings_dict, alias="sqlite-filter-check")
    with django_db_blocker.unblock():
        query = Query(Ticket)
        median = PercentileCont(F("priority"), fraction=0.5, filter=Q(priority__gt=1))
        query.add_annotation(median, "median", select=True)
        # when it is compiled
        sql, _ = query.get_compiler(connection=sqlite).compile(query.annotations["median"])
        # then the registered aggregate carries the FILTER clause, and SQLite runs it over the chosen rows only
        assert sql.startswith(f"{SQLITE_AGGREGATE}(") and "FILTER (WHERE" in sql
        rows = "SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 4"
        found = sqlite.connection.execute(f"SELECT {SQLITE_AGGREGATE}(v, 0.5) FILTER (WHERE v > 1) FROM ({rows})")
        assert found.fetchone() == (3.0,)
        sqlite.close()
