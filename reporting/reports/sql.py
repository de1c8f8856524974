"""The SQL the reports aggregate with, the same meaning on PostgreSQL and on the demo's SQLite.

PostgreSQL computes medians and percentiles with `percentile_cont(f) WITHIN GROUP (ORDER BY x)`. SQLite has no
such aggregate: `PercentileCont.as_sqlite` registers one (the same linear interpolation, `percentile_cont` below,
unit-tested against hand-computed values) on the connection before the query runs, so a report issues the same
queries, grouped the same way, on both. Durations are seconds between two timestamps (`Seconds`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db.models import Aggregate, FloatField, Func

SQLITE_AGGREGATE = "tessera_percentile_cont"


def percentile_cont(values: Iterable[float], fraction: float) -> float | None:
    """The continuous percentile of `values` as PostgreSQL's percentile_cont computes it: sort, then
    interpolate linearly between the two values around position fraction * (n - 1). None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("A percentile fraction lies between 0 and 1.")
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    if below == above:
        return float(ordered[below])
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


class _SqlitePercentile:
    """sqlite3's aggregate protocol: step per row, finalize per group. Values are kept (a percentile needs
    them all); the demo's data is small."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile_cont(self.values, self.fraction)


def register_sqlite_percentile(connection) -> None:
    """Make `tessera_percentile_cont(value, fraction)` known to this SQLite connection. Registering again only
    replaces it (sqlite3 connections take no marker attribute), and costs next to nothing."""
    connection.ensure_connection()
    connection.connection.create_aggregate(SQLITE_AGGREGATE, 2, _SqlitePercentile)


class PercentileCont(Aggregate):
    """percentile_cont(fraction) over an expression: the median is fraction 0.5."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile fraction lies between 0 and 1.")
        super().__init__(expression, fraction=float(fraction), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, fraction=repr(self.extra["fraction"]), **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        register_sqlite_percentile(connection)
        # On a copy, not as an argument: with a FILTER clause Aggregate.as_sql passes its own `template` too.
        clone = self.copy()
        clone.template = f"{SQLITE_AGGREGATE}(%(expressions)s, {self.extra['fraction']!r})"
        return Aggregate.as_sql(clone, compiler, connection, **extra_context)


class Seconds(Func):
    """Seconds from `start` to `end` (two timestamps) as a float."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end, start, **extra) -> None:
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))::float8", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(e) for e in self.source_expressions)
        sql = f"((julianday({end[0]}) - julianday({start[0]})) * 86400.0)"
        return sql, (*end[1], *start[1])
