"""Which tenant a host name serves, remembered by each process until a tenant or a domain changes.

Every request asks, and the query with its ORM cost 0.6-0.8 ms of a portal submission's 10 ms. Each process keeps
the answers under a version held in the shared cache, which every save or delete of a tenant or a domain replaces
at once and again when its transaction commits: deactivating a tenant, renaming its slug or moving a domain takes
effect with the next request in every process. Writes that skip signals (QuerySet.update of tenants or domains)
must call forget() themselves. When the cache keeps nothing, every request reads the database, as before.

What is kept is the tenant's column values; each request gets an instance of its own (one request's changes to
its `request.tenant` never reach another's).
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from tenancy.context import no_tenant
from tenancy.models import Tenant, TenantDomain
from tenancy.process_copies import ProcessCopies, current_version, new_version
from tenancy.selectors import get_tenant_for_host

VERSION_KEY = "tenant-hosts-version"
SECONDS = 300
# Host names remembered per process, least recently used first (Host headers are the client's to choose).
HOSTS = ProcessCopies(512)
_FIELDS = [field.attname for field in Tenant._meta.concrete_fields]


def tenant_for_host(hostname: str) -> Tenant | None:
    """The active tenant served at `hostname`, or None (tenancy.selectors.get_tenant_for_host, remembered)."""
    version = _version()
    if version is None:
        return get_tenant_for_host(hostname)
    kept = HOSTS.kept((hostname, version), lambda: _values(get_tenant_for_host(hostname)))
    if kept is None:
        return None
    db, values = kept
    return Tenant.from_db(db, _FIELDS, copy.deepcopy(values))


def _values(tenant: Tenant | None) -> tuple[str, tuple] | None:
    return None if tenant is None else (tenant._state.db, tuple(getattr(tenant, name) for name in _FIELDS))


def forget() -> None:
    """A tenant or a domain changed: every process reads hosts afresh (now, and again once the change commits)."""
    _new_version()
    transaction.on_commit(_new_version)


def _version() -> str | None:
    with no_tenant():  # one key for the platform, whichever scope asks
        return current_version(VERSION_KEY, SECONDS)


def _new_version() -> None:
    with no_tenant():
        new_version(VERSION_KEY, SECONDS)


def _changed(sender, **kwargs) -> None:
    forget()


def connect() -> None:
    for model in (Tenant, TenantDomain):
        post_save.connect(_changed, sender=model, dispatch_uid=f"tenant_hosts.{model.__name__}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"tenant_hosts.{model.__name__}.delete")
