"""What a process keeps of values the shared cache versions: a bounded, least-recently-used map, and the version key.

A value is kept under a key that carries its version; a change writes a new version to the shared cache (which
also expires), so a process never serves a copy older than the shared cache would (tenancy.tenant_lists,
tenancy.hosts)."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


class ProcessCopies:
    def __init__(self, size: int) -> None:
        self.size = size
        self._copies: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def kept(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """The value kept for `key`, else `load()`'s, kept unless None; the least recently used goes past `size`."""
        with self._lock:
            if key in self._copies:
                self._copies.move_to_end(key)
                return self._copies[key]
        value = load()
        if value is not None:
            self.put(key, value)
        return value

    def get(self, key: Hashable) -> object | None:
        """The value kept for `key`, or None."""
        with self._lock:
            if key in self._copies:
                self._copies.move_to_end(key)
                return self._copies[key]
        return None

    def put(self, key: Hashable, value: object) -> None:
        """Keep `value` for `key` (the least recently used goes past `size`)."""
        with self._lock:
            self._copies[key] = value
            self._copies.move_to_end(key)
            while len(self._copies) > self.size:
                self._copies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._copies))


def current_version(key: str, seconds: int) -> str | None:
    """The version held in the shared cache under `key`, made now if there is none (None when the cache keeps
    nothing: down, or a dummy; then nothing may be kept)."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, seconds)
        version = cache.get(key)
    return version


def new_version(key: str, seconds: int) -> None:
    cache.set(key, uuid.uuid4().hex, seconds)
