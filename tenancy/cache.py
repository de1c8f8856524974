"""Cache keys carry the tenant in scope, so no cache entry (rate-limit counters included) is ever shared."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tenancy.context import Scope, current_scope

logger = logging.getLogger(__name__)


def tenant_cache_key(key: str, key_prefix: str, version: int) -> str:
    return _named(current_scope(), key, key_prefix, version)


def _named(scope: Scope, key: str, key_prefix: str, version: int) -> str:
    owner = f"t{scope}" if isinstance(scope, int) else "platform"
    return f"{key_prefix}:{version}:{owner}:{key}"


def get_across_scopes(backend, keys: Sequence[tuple[int | None, str]]) -> list | None:
    """The values of `keys`, each (tenant id or None for the platform, key) named as that scope names it, in one
    round trip whatever the scope in force; None when `backend` cannot (not django-redis, another key function, or
    the read failed: the caller reads each scope's keys its usual way, which reports a failure as it always did).

    A request learns its tenant from its host before it can read the tenant's keys: the hosts' version and the
    tenant's lists' versions were two round trips (tenancy.hosts.resolve)."""
    client = getattr(backend, "client", None)
    if not hasattr(client, "get_client") or getattr(backend, "key_func", None) is not tenant_cache_key:
        return None
    names = [_named(scope, key, backend.key_prefix, backend.version) for scope, key in keys]
    try:
        values = client.get_client(write=False).mget(names)
        return [None if value is None else client.decode(value) for value in values]
    except Exception:  # the cache is down: the usual reads say so
        logger.warning("Could not read %d cache keys in one round trip", len(names), exc_info=True)
        return None
