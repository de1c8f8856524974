"""What one request has read of the tenant's cached lists, kept for the rest of that request.

The tenant's lists (tickets.picklists, the custom-field definitions) live in the shared cache under a version key,
so each read is two cache round trips and an unpickling of a few hundred model instances. One portal submission
read them seven times (the view, the form, the service, create_ticket): 14 round trips and 7 unpicklings for the
same rows. TenantMiddleware opens a memo for each request; a module that keeps a list there drops its entry when
it forgets the list (a change made by this request shows at once, as before). Outside a request (tasks,
commands, the shell) there is no memo: every read goes to the cache, so a long job never holds a stale copy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("tessera_request_memo", default=None)


@contextlib.contextmanager
def request_memo() -> Iterator[None]:
    """Keep what remembered() loads until the block ends (one request)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, once per request for `key` (its key must name the tenant); every time outside a request."""
    memo = _memo.get()
    if memo is None:
        return load()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = load()
        return value


def drop(key: Hashable) -> None:
    """Forget `key` for the rest of this request: the next read loads it afresh."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
