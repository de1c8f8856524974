"""Several GROUP BYs of one set of rows, read once: GROUPING SETS on PostgreSQL, one query per set on SQLite.

A report often needs the same figures grouped several ways (per agent and per team, per queue and per
priority). Each GROUP BY of its own reads and joins the period's rows again; GROUPING SETS reads them once and
aggregates every grouping in the same pass. The demo's SQLite has no GROUPING SETS: there the same queryset is
grouped once per set, so both give the same rows (tests/reporting/test_reports_grouping.py runs both on
the same data).

Which set a PostgreSQL row belongs to is told by a marker column per set (a constant grouped only in its own
set, so it is NULL in the others' rows), not by GROUPING(): under server-side binding the key expressions carry
parameters whose placeholders differ between the select list and GROUPING(), which PostgreSQL refuses. The sets
refer to the select list by position for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connections
from django.db.models import Expression, F, Func, IntegerField, QuerySet, Value

KEY = "gk_"
MARK = "gs_"


class _Key(Func):
    """A grouping key selected as is; the GROUPING SETS clause groups it, so it adds nothing to GROUP BY."""

    template = "%(expressions)s"
    arity = 1

    def get_group_by_cols(self):
        return []

    def get_db_converters(self, connection):
        # The key's own conversion (a truncated time made aware in the tenant's zone), not a plain column's.
        return self.get_source_expressions()[0].get_db_converters(connection)


class _Sets(Expression):
    """GROUPING SETS over positions of the select list (key and marker aliases, resolved when compiled)."""

    def __init__(self, sets: Sequence[Sequence[str]]) -> None:
        super().__init__(output_field=IntegerField())
        self.sets = [tuple(aliases) for aliases in sets]

    def as_sql(self, compiler, connection):
        position = {alias: index + 1 for alias, index in compiler.annotation_col_map.items()}
        groups = ", ".join("(" + ", ".join(str(position[a]) for a in aliases) + ")" for aliases in self.sets)
        return f"GROUPING SETS ({groups})", []

    def get_group_by_cols(self):
        return [self]


def supports_grouping_sets(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def grouping_sets(
    queryset: QuerySet,
    *,
    keys: Mapping[str, Expression | str],
    sets: Mapping[str, Sequence[str]],
    aggregates: Mapping[str, Expression],
) -> dict[str, dict[tuple, dict]]:
    """{set name: {key values (in the set's order): {aggregate name: value}}} of `queryset` grouped by each set of
    `keys` (a name, or an expression over the queryset's model). A set whose rows are none is an empty dict."""
    keys = {name: F(value) if isinstance(value, str) else value for name, value in keys.items()}
    out: dict[str, dict[tuple, dict]] = {name: {} for name in sets}
    if not supports_grouping_sets(queryset.db):
        for name, chosen in sets.items():
            if not chosen:  # the empty set: the total (values() without fields would group by every column)
                out[name][()] = queryset.aggregate(**aggregates)
                continue
            rows = queryset.values(**{KEY + k: keys[k] for k in chosen}).annotate(**aggregates).order_by()
            for row in rows:
                out[name][tuple(row.pop(KEY + k) for k in chosen)] = row
        return out
    used = {k for chosen in sets.values() for k in chosen}  # a key in no set would be neither grouped nor aggregated
    selected = {KEY + name: _Key(expression) for name, expression in keys.items() if name in used}
    selected.update({MARK + name: Value(1, output_field=IntegerField()) for name in sets})
    query = queryset.values(**selected).annotate(**aggregates).order_by()
    query.query.group_by = (_Sets([[*(KEY + k for k in chosen), MARK + name] for name, chosen in sets.items()]),)
    for row in query:
        name = next(name for name in sets if row[MARK + name] is not None)
        out[name][tuple(row[KEY + k] for k in sets[name])] = {a: row[a] for a in aggregates}
    return out
