"""Which tenant a host name serves, remembered by each process until a tenant or a domain changes.

Every request asks, and the query with its ORM cost 0.6-0.8 ms of a portal submission's 10 ms. Each process keeps
the answers under a version held in the shared cache, which every save or delete of a tenant or a domain replaces
at once and again when its transaction commits: deactivating a tenant, renaming its slug or moving a domain takes
effect with the next request in every process. Writes that skip signals (QuerySet.update of tenants or domains)
must call forget() themselves. When the cache keeps nothing, every request reads the database, as before.

What is kept is the tenant's column values; each request gets an instance of its own (one request's changes to
its `request.tenant` never reach another's).

resolve() also reads the lists' versions (tenancy.tenant_lists) of the tenant the host served last time, in the
hosts' version's round trip: a request that stays with that tenant does not read them again.
"""

from __future__ import annotations

import copy

from django.core.cache import cache
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save

from tenancy.cache import get_across_scopes
from tenancy.context import no_tenant
from tenancy.models import Tenant, TenantDomain
from tenancy.process_copies import ProcessCopies, current_version, new_version
from tenancy.selectors import get_tenant_for_host
from tenancy.tenant_lists import version_keys

VERSION_KEY = "tenant-hosts-version"
SECONDS = 300
# Host names remembered per process, least recently used first (Host headers are the client's to choose).
HOSTS = ProcessCopies(512)
# The tenant each host name served last in this process (resolve()), least recently used first.
SERVED = ProcessCopies(512)
_FIELDS = [field.attname for field in Tenant._meta.concrete_fields]


def tenant_for_host(hostname: str) -> Tenant | None:
    """The active tenant served at `hostname`, or None (tenancy.selectors.get_tenant_for_host, remembered)."""
    return _tenant(hostname, _version())


def resolve(hostname: str) -> tuple[Tenant | None, dict[str, str | None] | None]:
    """tenant_for_host(hostname), and the tenant's lists' versions when they came in the same round trip (else
    None: tenancy.tenant_lists reads them when a list is wanted). The versions read are those of the tenant this
    process found at the host last time; they are the request's only when the host still serves it."""
    served = SERVED.get(hostname)
    list_keys = version_keys(served) if served is not None else {}
    found = get_across_scopes(cache, [(None, VERSION_KEY), *((served, key) for key in list_keys.values())])
    if found is None or found[0] is None:  # no such cache, or no version yet: the usual reads
        return tenant_for_host(hostname), None
    tenant = _tenant(hostname, found[0])
    if tenant is None:
        return None, None
    if tenant.pk != served:
        SERVED.put(hostname, tenant.pk)
        return tenant, None
    return tenant, dict(zip(list_keys, found[1:], strict=True))


def _tenant(hostname: str, version: str | None) -> Tenant | None:
    if version is None:
        return get_tenant_for_host(hostname)
    kept = HOSTS.kept((hostname, version), lambda: _values(get_tenant_for_host(hostname)))
    if kept is None:
        return None
    db, values = kept
    # Each request's own copy of what it could change in place (the lists); the rest is immutable.
    return Tenant.from_db(db, _FIELDS, tuple(copy.deepcopy(v) if isinstance(v, list | dict) else v for v in values))


def _values(tenant: Tenant | None) -> tuple[str, tuple] | None:
    if tenant is None:
        return None
    # A file field's name, not its FieldFile: that holds the instance it was read with (a copy dragged it along).
    values = (getattr(tenant, name) for name in _FIELDS)
    return tenant._state.db, tuple(value.name if isinstance(value, FieldFile) else value for value in values)


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
