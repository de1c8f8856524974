"""A tenant's short lists (the desk's picklists, the custom-field definitions): read from the database once, kept
in the shared cache under a version that every change replaces, unpickled once per process, read once per request.

Nearly every request reads them. From the shared cache alone each read was two round trips and the unpickling of a
few hundred model instances: 0.7 ms of the portal submission's 9 ms of Python, and as much on every desk page. The
process keeps what it unpickled under the versioned key, so a request pays one round trip (the versions of every
list together: _versions) and nothing else; a change gives the tenant a new version at once and again when its
transaction commits (so a page that read the old rows meanwhile does not keep them), and a version lives `seconds`
at most, so a copy is never older than what the shared cache would give. Writes that skip signals
(QuerySet.update, bulk_create) must call forget() themselves.

The values are shared by the process's requests: callers read them and never change them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

from tenancy.context import current_tenant_id, require_tenant_id, tenant_context
from tenancy.memo import drop, remembered
from tenancy.process_copies import ProcessCopies, current_version, new_version

T = TypeVar("T")

# Unpickled lists kept by this process, least recently used first; a few per tenant that is being served.
COPIES = ProcessCopies(256)
# Every list made, so that a request reads all their versions in one round trip (_versions).
_LISTS: list[TenantList] = []
_VERSIONS = "tenant-list-versions"


class TenantList(Generic[T]):
    def __init__(self, name: str, load: Callable[[], T], *, seconds: int = 300, shape: str = "") -> None:
        """`shape`: names what the value holds, in its shared key: a release whose value holds more (a field
        added to a dataclass) never unpickles the values of the release before it, which shares the cache and
        the versions while both run (a deploy)."""
        self.name, self.load, self.seconds = name, load, seconds
        self.shape = f":{shape}" if shape else ""
        _LISTS.append(self)

    def get(self) -> T:
        """The list of the tenant in scope."""
        tenant_id = require_tenant_id()
        return remembered((self.name, tenant_id), lambda: self.cached(tenant_id))

    def cached(self, tenant_id: int) -> T:
        version = self._version(tenant_id)
        if version is None:  # the cache keeps nothing (down, or a dummy): read the rows
            return self.load()
        key = f"{self.name}:{tenant_id}:{version}{self.shape}"
        return COPIES.kept(key, lambda: self._shared(key))

    def forget(self, tenant_id: int) -> None:
        """The tenant's rows changed: read them afresh (now, and again once the change commits)."""
        self._new_version(tenant_id)
        transaction.on_commit(lambda: self._new_version(tenant_id))

    def _shared(self, key: str) -> T:
        value = cache.get(key)
        if value is None:
            value = self.load()
            cache.set(key, value, self.seconds)
        return value

    def _version(self, tenant_id: int) -> str | None:
        versions = remembered((_VERSIONS, tenant_id), lambda: _versions(tenant_id))
        if self.name not in versions:  # a list made after this request read the versions (its module imported late)
            return _versions(tenant_id)[self.name]
        return versions[self.name]

    def _new_version(self, tenant_id: int) -> None:
        drop((self.name, tenant_id))
        drop((_VERSIONS, tenant_id))
        # Cache keys carry the tenant in scope (tenancy.cache): a change made from the platform admin, another
        # tenant's scope or an on-commit hook must write the key of the tenant it changed.
        scope = contextlib.nullcontext() if current_tenant_id() == tenant_id else tenant_context(tenant_id)
        with scope:
            new_version(self._version_key(tenant_id), self.seconds)

    def version_key(self, tenant_id: int) -> str:
        """The shared cache's key of the tenant's version (to read it with other keys in one round trip)."""
        return self._version_key(tenant_id)

    def _version_key(self, tenant_id: int) -> str:
        return f"{self.name}-version:{tenant_id}"


def version_keys(tenant_id: int) -> dict[str, str]:
    """The shared cache's keys of the tenant's version of every list, by list name (tenancy.hosts.resolve reads them
    with the hosts' version)."""
    return {tenant_list.name: tenant_list._version_key(tenant_id) for tenant_list in _LISTS}


def remember_versions(tenant_id: int, versions: dict[str, str | None]) -> None:
    """Take `versions` (version_keys' values, read from the shared cache in this request) as the tenant's versions
    for the rest of the request, as _versions would have read them; a list without one is left to _versions,
    which makes it."""
    if all(versions.get(tenant_list.name) for tenant_list in _LISTS):
        remembered((_VERSIONS, tenant_id), lambda: versions)


def _versions(tenant_id: int) -> dict[str, str | None]:
    """The tenant's version of every list, by name, in one round trip: a request that reads two lists (the portal's
    form reads the picklists and the custom fields) paid one per list. A version missing is made as
    current_version makes it."""
    keys = version_keys(tenant_id)
    found = cache.get_many(list(keys.values()))
    return {
        tenant_list.name: found.get(keys[tenant_list.name])
        or current_version(keys[tenant_list.name], tenant_list.seconds)
        for tenant_list in _LISTS
    }
