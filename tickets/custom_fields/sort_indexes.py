"""Indexes that sort the queue by a custom field: one partial index per field an admin marks, built CONCURRENTLY.

Sorting by `custom_fields -> 'key'` (tickets.custom_fields.queries.ordering) is a top-N sort of every ticket the
filters leave: 1.4 s over 800,000 tickets. A btree on exactly that order, `((custom_fields -> 'key'), next_due_at,
id) WHERE tenant_id = <tenant>`, lets PostgreSQL read the first page in order. Partial on the tenant: the index
holds that tenant's tickets only, and other tenants' writes never touch it (a hundred tenants marking two
fields each would otherwise put two hundred whole-table indexes on every ticket write). The list's query carries
the tenant and the key as constants when the index is ready (TenantIs, LiteralKey), so a prepared statement's
generic plan can still prove the index applies.

Who builds it: DDL needs the table's owner, and the application and worker roles are deliberately not it
(config/settings.py, docker-compose.yml). So `sync` runs on an owner connection: `manage.py sync_sort_indexes`
(the migrate job's role; run it after migrate and on a schedule), or the task the settings page enqueues when
the operator gave the worker SORT_INDEX_DATABASE_URL (an owner login; empty by default). It creates the indexes
asked for, drops those no longer wanted (mark removed, field archived or deleted) and rebuilds any a failed
CONCURRENTLY build left invalid; the field's sort_index_state shows the outcome on its settings page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tickets.custom_fields.validation import KEY_PATTERN

logger = logging.getLogger(__name__)

PREFIX = "ticket_cfsort_"
READY, PENDING, FAILED, NONE = "ready", "pending", "failed", ""


@dataclass(frozen=True)
class Wanted:
    tenant_id: int
    field_id: int
    key: str


def index_name(tenant_id: int, field_id: int) -> str:
    """Deterministic, so a rerun finds what an earlier one built (at most 14 + 20 + 1 + 20 characters < 63)."""
    return f"{PREFIX}{int(tenant_id)}_{int(field_id)}"


def create_sql(wanted: Wanted) -> str:
    if not KEY_PATTERN.fullmatch(wanted.key):  # validated when the field was made; checked again before DDL
        raise ValueError(f"Not a custom field key: {wanted.key!r}")
    name = index_name(wanted.tenant_id, wanted.field_id)
    return (
        f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON tickets_ticket '
        f"((custom_fields -> '{wanted.key}'), next_due_at, id) WHERE tenant_id = {int(wanted.tenant_id)}"
    )


def drop_sql(name: str) -> str:
    if not name.startswith(PREFIX) or not name[len(PREFIX) :].replace("_", "").isdigit():
        raise ValueError(f"Not a sort index: {name!r}")
    return f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'


@dataclass(frozen=True)
class Plan:
    create: tuple[Wanted, ...]
    drop: tuple[str, ...]  # index names, invalid ones to rebuild included


def plan(wanted: Iterable[Wanted], existing: dict[str, bool]) -> Plan:
    """What to build and drop: `existing` maps each sort index's name to whether it is valid."""
    wanted = list(wanted)
    names = {index_name(w.tenant_id, w.field_id) for w in wanted}
    drop = sorted(name for name, valid in existing.items() if name not in names or not valid)
    create = [w for w in wanted if not existing.get(index_name(w.tenant_id, w.field_id), False)]
    return Plan(create=tuple(create), drop=tuple(drop))


def sync(cursor, *, forget: Callable[[int], None] = lambda tenant_id: None) -> Plan:
    """Bring the sort indexes in line with what the fields ask, on an owner connection in autocommit (CREATE
    INDEX CONCURRENTLY cannot run in a transaction). `forget(tenant_id)` is called for each tenant whose fields'
    states changed (their cached definitions)."""
    fields = _fields(cursor)
    wanted = [Wanted(t, f, key) for (t, f), (key, asked, archived, _) in fields.items() if asked and not archived]
    cursor.execute(
        "SELECT c.relname, x.indisvalid FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE c.relname LIKE %s",
        [PREFIX.replace("_", r"\_") + "%"],
    )
    existing = dict(cursor.fetchall())
    work = plan(wanted, existing)
    states: dict[tuple[int, int], tuple[str, str]] = {}
    for name in work.drop:
        cursor.execute(drop_sql(name))
        logger.info("Dropped sort index %s", name)
    for item in work.create:
        try:
            cursor.execute(create_sql(item))
        except Exception as error:  # a duplicate-key race, a cancelled build: recorded, retried next time
            logger.warning("Sort index for field %s of tenant %s failed: %s", item.field_id, item.tenant_id, error)
            cursor.execute(drop_sql(index_name(item.tenant_id, item.field_id)))
            states[(item.tenant_id, item.field_id)] = (FAILED, f"{type(error).__name__}: {error}"[:300])
        else:
            states[(item.tenant_id, item.field_id)] = (READY, "")
    wanted_ids = {(w.tenant_id, w.field_id) for w in wanted}
    for ids in fields:
        if ids not in states:
            states[ids] = (READY, "") if ids in wanted_ids else (NONE, "")
    changed = {ids: value for ids, value in states.items() if value[0] != fields[ids][3] or value[0] == FAILED}
    for tenant_id in sorted({tenant_id for tenant_id, _ in changed}):
        _as_tenant(cursor, tenant_id)
        for (t, field_id), (state, note) in changed.items():
            if t == tenant_id:
                cursor.execute(
                    "UPDATE tickets_customfield SET sort_index_state = %s, sort_index_note = %s "
                    "WHERE tenant_id = %s AND id = %s",
                    [state, note, tenant_id, field_id],
                )
        forget(tenant_id)
    _as_tenant(cursor, None)
    return work


def _fields(cursor) -> dict[tuple[int, int], tuple[str, bool, bool, str]]:
    """{(tenant, field): (key, asked for an index, archived, recorded state)} over every tenant (row-level
    security applies even to the owner: one tenant at a time)."""
    cursor.execute("SELECT id FROM tenancy_tenant ORDER BY id")
    found = {}
    for (tenant_id,) in cursor.fetchall():
        _as_tenant(cursor, tenant_id)
        cursor.execute(
            "SELECT id, key, sort_indexed, archived_at IS NOT NULL, sort_index_state FROM tickets_customfield "
            "WHERE tenant_id = %s AND (sort_indexed OR sort_index_state <> '')",
            [tenant_id],  # explicit too: an owner with BYPASSRLS sees every tenant's rows
        )
        for field_id, key, asked, archived, state in cursor.fetchall():
            found[(tenant_id, field_id)] = (key, asked, archived, state)
    _as_tenant(cursor, None)
    return found


def _as_tenant(cursor, tenant_id: int | None) -> None:
    cursor.execute("SELECT set_config('app.tenant_id', %s, false)", ["" if tenant_id is None else str(tenant_id)])


def sync_with_url(url: str) -> Plan:
    """`sync` on its own owner connection (the task's way: the worker's own connection is not the owner)."""
    import psycopg

    from tickets.custom_fields.definitions import forget

    with psycopg.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
        return sync(cursor, forget=forget)
