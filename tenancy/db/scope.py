"""Copy the tenant scope into the database session, per transaction.

PostgreSQL row-level security reads `app.tenant_id`, set with `set_config(..., is_local => true)`, so it ends with
the transaction: nothing can survive into the next request on a reused connection, and a transaction-mode pooler
is safe. Inside `unscoped()` the application's connection has no tenant (it sees nothing); the queries run on the
platform connection (tenancy.db.router), which needs no setting.

They are applied (1) when an outermost transaction starts while a scope is active, by the backend in
`tenancy.db.postgresql.base`, and (2) when a scope is entered or left inside an open transaction, from
`tenancy.context`. Queries in autocommit mode under a scope are wrapped in a transaction so (1) applies.
"""

from __future__ import annotations

from django.db import DatabaseError, connections

from tenancy.context import Scope, current_scope

# The alias of the platform connection (tenancy.db.router): its own BYPASSRLS login role, no tenant setting.
PLATFORM = "platform"

_APPLY_SQL = "SELECT set_config('app.tenant_id', %s, true)"


def _tenant_setting(scope: Scope) -> str:
    return str(scope) if isinstance(scope, int) else ""


def apply_scope(connection, scope: Scope | None = None) -> None:
    """Set the tenant of the open transaction on `connection` to the current scope."""
    if connection.vendor != "postgresql" or connection.connection is None or connection.alias == PLATFORM:
        return
    scope = current_scope() if scope is None else scope
    # A raw cursor: the setting is plumbing, not one of the page's queries.
    with connection.connection.cursor() as cursor:
        cursor.execute(_APPLY_SQL, [_tenant_setting(scope)])


def sync_open_transactions(*, quiet: bool = False) -> None:
    """Re-apply the scope on every connection of this thread that is inside a transaction."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "postgresql" or not connection.in_atomic_block or connection.needs_rollback:
            continue
        try:
            apply_scope(connection)
        except DatabaseError:
            # Leaving a scope while an exception unwinds an aborted transaction: it rolls back anyway.
            if not quiet:
                raise
