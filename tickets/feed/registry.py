"""Who reads the change feed: subscribers, registered once per app in its AppConfig.ready().

tickets registers the webhooks; routing, SLA and reporting register theirs the same way (tickets never imports
them). A subscriber gets each entry once: its receipt is written in the transaction of its work.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from tickets.models import TicketEvent


@dataclass(frozen=True)
class Change:
    """One feed entry as a subscriber sees it: what one transaction recorded on one ticket, events in order.

    Each event carries its actor, kind and old/new values. `replay` is set for history an import replayed
    (tickets.clock.replaying): decide and record, but mail, notify and call out nothing."""

    entry_id: int
    tenant_id: int
    ticket_id: int
    events: tuple[TicketEvent, ...]
    replay: bool
    recorded_at: datetime

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(event.kind for event in self.events)

    def made_only_by(self, automation: str) -> bool:
        """Whether every event of the change was made by this named automation (a subscriber's own change)."""
        return bool(self.events) and all(event.actor_automation == automation for event in self.events)


def _everything(change: Change) -> bool:
    return True


def _no_batch(changes: list[Change]) -> AbstractContextManager:
    return nullcontext()


@dataclass(frozen=True)
class Subscriber:
    """`handle(change)` runs in its own transaction with the subscriber's receipt: raise to have the entry
    handed to it again later (only to it). `accepts(change)` filters cheaply before that (no receipt is written
    for a change it does not accept); `replay` says whether it gets replayed history at all; changes made
    only by `own_automation` (the subscriber's own actions, e.g. "routing") are not handed back to it.

    `batch(changes)` is entered around a batch's changes in the usual case (one transaction, no failure), for a
    subscriber that reads what they need together; `handle` must work without it (a batch with a failure is
    redone one change at a time, outside it)."""

    name: str
    handle: Callable[[Change], object]
    accepts: Callable[[Change], bool] = field(default=_everything)
    replay: bool = False
    own_automation: str = ""
    batch: Callable[[list[Change]], AbstractContextManager] = field(default=_no_batch)

    def wants(self, change: Change) -> bool:
        if change.replay and not self.replay:
            return False
        if self.own_automation and change.made_only_by(self.own_automation):
            return False
        return self.accepts(change)


SUBSCRIBERS: dict[str, Subscriber] = {}


def register_subscriber(subscriber: Subscriber) -> None:
    """Add a subscriber (idempotent by name: apps may be readied twice in tests)."""
    if len(subscriber.name) > 60:
        raise ValueError(f"Feed subscriber names fit in 60 characters: {subscriber.name!r}")
    SUBSCRIBERS[subscriber.name] = subscriber


def subscribers() -> list[Subscriber]:
    return list(SUBSCRIBERS.values())
