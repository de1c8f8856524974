"""The current tenant scope, held in a context variable.

Every tenant-owned query reads it: the default manager filters by it and the PostgreSQL connection copies it
into the per-transaction `app.tenant_id` setting that row-level security checks. There are three states:

- a tenant id: everything is filtered to that tenant;
- `UNSCOPED`: platform code that works across tenants, entered only through `unscoped()`, whose queries run on
  the platform connection (tenancy.db.router) while the application's own connection sees no tenant at all;
- nothing: tenant-owned queries raise `NoTenantError` and raw SQL sees no rows (fails closed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Final


class _Unscoped:
    def __repr__(self) -> str:
        return "UNSCOPED"


UNSCOPED: Final = _Unscoped()

Scope = int | _Unscoped | None

_scope: ContextVar[Scope] = ContextVar("tessera_tenant_scope", default=None)


class NoTenantError(RuntimeError):
    """A tenant-owned model was queried with no tenant in scope."""


def current_scope() -> Scope:
    return _scope.get()


def current_tenant_id() -> int | None:
    """Return the tenant in scope, or None (also inside `unscoped()`)."""
    scope = _scope.get()
    return scope if isinstance(scope, int) else None


def require_tenant_id() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise NoTenantError("No tenant is in scope: enter tenant_context(tenant) first.")
    return tenant_id


def is_unscoped() -> bool:
    return _scope.get() is UNSCOPED


@contextlib.contextmanager
def _enter(scope: Scope) -> Iterator[None]:
    # Imported here: this module is imported by the database backend, before the ORM is ready.
    from tenancy.db.scope import sync_open_transactions

    token = _scope.set(scope)
    sync_open_transactions()
    try:
        yield
    finally:
        _scope.reset(token)
        sync_open_transactions()


def tenant_context(tenant: int | object) -> contextlib.AbstractContextManager[None]:
    """Scope the ORM and the database session to one tenant (a Tenant or its id)."""
    tenant_id = tenant if isinstance(tenant, int) else getattr(tenant, "pk", None)
    if not isinstance(tenant_id, int):
        raise TypeError(f"tenant_context() needs a Tenant or a tenant id, not {tenant!r}")
    return _enter(tenant_id)


@contextlib.contextmanager
def unscoped() -> Iterator[None]:
    """Work across tenants: the managers stop filtering and the ORM moves to the platform connection.

    The only way out of the tenant scope. Keep it to platform code (the tenant picker, periodic jobs that
    iterate tenants, the platform admin) and grep for it in review. On PostgreSQL the platform connection logs
    in as its own BYPASSRLS role in a transaction of its own, opened here: what it writes commits when the
    block ends, apart from the caller's transaction on the application's connection, which meanwhile sees
    no tenant's rows at all.
    """
    from tenancy.db.router import PLATFORM, platform_configured

    with _enter(UNSCOPED):
        if not platform_configured():
            yield
            return
        from django.db import transaction

        with transaction.atomic(using=PLATFORM):
            yield


@contextlib.contextmanager
def no_tenant() -> Iterator[None]:
    """Leave every scope (tests and the request boundary use it to prove nothing carries over)."""
    with _enter(None):
        yield
