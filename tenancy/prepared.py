"""Querysets a page runs on every view, compiled to SQL once per process and shape instead of at each view.

Building and compiling a queryset is most of the ORM's cost on a page: the ticket page's ticket (five joined
tables, ~70 columns) took 1.1 ms to build and compile and 0.1 ms to run; the request's user and membership and
the requester's other tickets another ~0.4 ms each. A prepared read builds its queryset once with stand-in
values (SENTINELS), compiles it, and notes where each stand-in lands among the statement's parameters; a use fills
in its own values and runs the same statement through Django's own row-to-model code (ModelIterable), so the
instances, deferred fields, select_related objects and annotations are what the queryset itself would give.

The key names everything else the statement depends on, and always includes the scope (tenancy.context): the
tenant filter the scoped managers add is a parameter like any other, compiled in for that tenant only. A
stand-in must land in the parameters, never in the SQL text, or compiling refuses it (it would be baked in)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from tenancy.context import current_scope

# Stand-ins for the values a use fills in: just inside a 32-bit integer column's range (Django compiles a value
# outside a column's range, or a negative one for a positive column, to no statement at all), far above any id.
SENTINELS = (2_147_483_629, 2_147_483_587, 2_147_483_549, 2_147_483_543)


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet  # the built queryset, never evaluated: its model, database and query
    sql: str
    params: tuple
    # Per parameter: which value of the use goes there and as what type (the backend's own, as Django bound the
    # stand-in: psycopg's Int8 for a bigint column), or None where the compiled parameter is kept.
    slots: tuple[tuple[int, type] | None, ...]
    select: list
    klass_info: dict
    annotation_col_map: dict
    col_count: int
    has_extra_select: bool


class _Source:
    """What ModelIterable reads of a queryset, with the compiler already holding the statement."""

    def __init__(self, compiled: _Compiled, compiler):
        self.db = compiled.queryset.db
        self.model = compiled.queryset.model
        self.query = self
        self._known_related_objects = {}
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler


def prepared(key: Hashable, build: Callable[..., QuerySet], *values) -> list:
    """The rows of `build(*values)`. `key` names the query and all its shape depends on besides the scope;
    `build` is called only the first time, with SENTINELS in place of `values`, each of which it must use as a
    parameter."""
    scoped_key = (current_scope(), key)
    compiled = _compiled.get(scoped_key)
    if compiled is None:
        if len(_compiled) >= MAX_SHAPES:  # a shape per tenant and team-limited agent: start over, rarely
            _compiled.clear()
        compiled = _compiled[scoped_key] = _compile(build, len(values))
    params = tuple(
        param if slot is None else slot[1](values[slot[0]])
        for param, slot in zip(compiled.params, compiled.slots, strict=True)
    )
    compiler = compiled.queryset.query.get_compiler(using=compiled.queryset.db)
    compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
    compiler.select, compiler.klass_info = compiled.select, compiled.klass_info
    compiler.annotation_col_map, compiler.col_count = compiled.annotation_col_map, compiled.col_count
    compiler.has_extra_select = compiled.has_extra_select
    return list(ModelIterable(_Source(compiled, compiler)))


MAX_SHAPES = 2048
_compiled: dict[Hashable, _Compiled] = {}


def _compile(build: Callable[..., QuerySet], count: int) -> _Compiled:
    queryset = build(*SENTINELS[:count])
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    slots = tuple((SENTINELS.index(param), type(param)) if _is_sentinel(param) else None for param in params)
    for index, sentinel in enumerate(SENTINELS[:count]):
        if all(slot is None or slot[0] != index for slot in slots) or str(sentinel) in sql:
            raise ValueError(f"{build}: value {index} is not a parameter of its statement")
    return _Compiled(
        queryset, sql, tuple(params), slots, compiler.select, compiler.klass_info, compiler.annotation_col_map,
        compiler.col_count, compiler.has_extra_select,
    )  # fmt: skip


def _is_sentinel(param) -> bool:
    return isinstance(param, int) and not isinstance(param, bool) and param in SENTINELS
