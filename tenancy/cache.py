"""Cache keys carry the tenant in scope, so no cache entry (rate-limit counters included) is ever shared."""

from tenancy.context import current_scope


def tenant_cache_key(key: str, key_prefix: str, version: int) -> str:
    scope = current_scope()
    owner = f"t{scope}" if isinstance(scope, int) else "platform"
    return f"{key_prefix}:{version}:{owner}:{key}"
