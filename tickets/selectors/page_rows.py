"""A list page's rows (the queue, the views, search, the at-risk list), read by id: what a row shows.

The page's rows are read as dicts of LIST_COLUMNS and the apps' LIST_ANNOTATIONS in one statement whose text is
the same for every page of a tenant; only its ids (one array parameter) change. Building that statement through
the ORM (five joins, the apps' annotations, values()) and compiling it cost about 1.5 ms of Python a list page
for the same SQL each time, so it is compiled once per process and tenant (ROW_STATEMENTS) and run with the
page's ids; the list's capped count, when the page needs it, is its one subquery compiled per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import F, QuerySet

from tenancy.context import current_tenant_id
from tenancy.db.lookups import AnyOf
from tenancy.process_copies import ProcessCopies
from tickets.models import Ticket
from tickets.selectors import COUNT_CAP, CappedCount


def list_rows(ids: list[int]) -> QuerySet[Ticket]:
    """A page of a list by the ids its query found (they passed visible_tickets and the list's filters). The
    filters are not repeated: under a prepared statement's generic plan they led PostgreSQL away from the
    primary key (10 ms instead of 3 for the unassigned list)."""
    return with_list_columns(Ticket.objects.filter(pk__in=ids))


# What a list row shows (tickets.rows.queue_rows), read as dicts: model instances of five tables for fifty rows
# cost 2 ms more of Python a page than dicts of the same columns (a profile of the queue page).
LIST_COLUMNS = (
    "id", "number", "subject", "status", "priority", "channel", "escalation_level", "updated_at", "next_due_at",
    "category_id", "contact__name", "contact__email", "contact__tier", "queue__name", "assignee__user__full_name",
    "assignee__user__email", "category__name",
)  # fmt: skip


# Columns apps above tickets add to the list's one query, as {name: expression} (sla: `risk_at`, the earliest
# warning of a running SLA target, for the rows' at-risk flag); registered in their AppConfig.ready, so tickets
# imports none of them and the list keeps its query count. An expression may depend on the tenant and nothing
# else of the request (no time, no member): its statement is kept per process and tenant (ROW_STATEMENTS).
LIST_ANNOTATIONS: dict[str, Callable[[], dict]] = {}


def list_row_values(ids: list[int]) -> list[dict]:
    """The rows of list_rows as dicts of LIST_COLUMNS and the apps' LIST_ANNOTATIONS (by id alone, as there)."""
    statement = _row_statement()
    if not statement:
        return list(_list_row_values(ids))
    return _fetch(statement.alias, statement.sql, statement.with_ids(ids), statement.names)


def list_row_values_counting(ids: list[int], counted: QuerySet, cap: int = COUNT_CAP) -> tuple[list[dict], int | None]:
    """list_row_values, and `counted`'s rows up to cap + 1 from the same statement (tickets.pagination's
    load_counting): the count is an uncorrelated scalar subquery, which PostgreSQL runs once (an InitPlan) with
    the plan it would have as a statement of its own; None when no row came back to carry it."""
    capped = counted.order_by().values("pk")[: cap + 1]
    statement = _row_statement()
    if statement:
        count_sql, count_params = capped.query.get_compiler(using=statement.alias).as_sql()
        # The kept statement as a derived table, the count beside its columns (the count's parameters come first,
        # as its text does). PostgreSQL pulls the derived table up: the plan is the one-statement plan of before.
        sql = f"SELECT listed.*, (SELECT count(*) FROM ({count_sql}) AS capped) FROM ({statement.sql}) AS listed"  # noqa: S608 - Django's SQL
        ids_params = statement.with_ids(ids)
        loaded = _fetch(statement.alias, sql, [*count_params, *ids_params], (*statement.names, "list_count"))
    else:
        loaded = list(_list_row_values(ids, list_count=CappedCount(capped)))
    count = loaded[0]["list_count"] if loaded else None
    for row in loaded:
        del row["list_count"]
    return loaded, count


def with_list_columns(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    tickets = tickets.select_related("contact", "queue", "assignee__user", "category").only(
        "id", "tenant_id", "number", "subject", "status", "priority", "channel", "escalation_level", "is_open",
        "created_at", "updated_at", "next_due_at", "contact__name", "contact__email", "contact__tier",
        "queue__name", "assignee__user__full_name", "assignee__user__email", "category__name",
    )  # fmt: skip
    for extra_columns in LIST_ANNOTATIONS.values():
        tickets = tickets.annotate(**extra_columns())
    return tickets


def _list_row_values(ids: list[int], **more) -> QuerySet:
    extra: dict = {}
    for extra_columns in LIST_ANNOTATIONS.values():
        extra.update(extra_columns())
    extra.update(more)
    # The ids as one array parameter (AnyOf): one statement text whatever the page's size, and 0.1 ms of Python
    # less to build than fifty `IN` parameters.
    return Ticket.objects.filter(AnyOf(F("id"), ids)).annotate(**extra).values(*LIST_COLUMNS, *extra)


@dataclass(frozen=True)
class RowStatement:
    """The rows' statement as Django compiled it for a tenant, and where its ids go among the parameters."""

    alias: str
    sql: str
    params: tuple
    ids_at: int
    names: tuple[str, ...]

    def with_ids(self, ids: list[int]) -> list:
        params = list(self.params)
        params[self.ids_at] = list(ids)
        return params


# Per tenant (its id is a parameter of the statement, as are the apps' annotations' constants) and set of apps'
# annotations. False: this database needs Django's conversions of some column (SQLite's datetimes): the ORM
# reads the rows, as before.
ROW_STATEMENTS = ProcessCopies(256)
_MARKER = -7_340_033  # an id no ticket has, to find the ids' parameter in the compiled statement


def _row_statement() -> RowStatement | bool:
    tenant_id = current_tenant_id()
    if tenant_id is None:  # outside a tenant's scope nothing is kept (the statement would not name one)
        return False
    alias = router.db_for_read(Ticket)  # where the ORM would read them (the platform's inside unscoped())
    key = (alias, tenant_id, tuple(LIST_ANNOTATIONS))
    return ROW_STATEMENTS.kept(key, lambda: _compile_row_statement(alias))


def _compile_row_statement(alias: str) -> RowStatement | bool:
    query = _list_row_values([_MARKER]).query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        return False
    at = [index for index, param in enumerate(params) if param == [_MARKER]]
    if len(at) != 1:  # pragma: no cover - AnyOf sends the ids as one list parameter
        return False
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return RowStatement(alias, sql, tuple(params), at[0], names)


def _fetch(alias: str, sql: str, params: list, names: tuple[str, ...]) -> list[dict]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
