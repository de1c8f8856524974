"""The time the ticket services stamp on changes: now, unless an import replays history.

Importing tickets from another help desk (and the demo, which builds 90 days of history) must keep the
original times; `replaying(moment)` sets them for the services called inside it, nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_replay_time: ContextVar[datetime | None] = ContextVar("tickets_replay_time", default=None)


def now() -> datetime:
    return _replay_time.get() or timezone.now()


def is_replaying() -> bool:
    """True while history is being imported: nothing then happens that the live change would set off
    (no routing or SLA follow-up, no notifications), because it all happened long ago."""
    return _replay_time.get() is not None


@contextlib.contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    token = _replay_time.set(moment)
    try:
        yield
    finally:
        _replay_time.reset(token)
