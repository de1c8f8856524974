"""Keeping the change feed small and watched: pruning done entries, and each subscriber's lag for the health checks.

Both work across tenants (unscoped): they run in the periodic prune job and in /healthz, with no tenant in scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from tenancy.context import unscoped
from tickets.feed.dispatch import changes_of
from tickets.feed.registry import Subscriber, subscribers
from tickets.models import FeedEntry, FeedReceipt

PRUNE_BATCH_SIZE = 5000
LAG_SCAN_BATCH = 200
LAG_SCAN_BATCHES = 5


def prune_done_entries(*, older_than_days: int, batch_size: int = PRUNE_BATCH_SIZE) -> int:
    """Delete entries done more than `older_than_days` ago, with their receipts, across tenants; return how many.

    One short transaction per batch of ids, so no DELETE holds its locks long or blocks the trigger's inserts.
    Undone entries are never touched, however old: a subscriber still owes them work."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        with unscoped():
            ids = list(FeedEntry.objects.filter(done_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
            if ids:
                FeedReceipt.objects.filter(entry_id__in=ids).delete()
                FeedEntry.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch_size:
            return deleted


@dataclass(frozen=True)
class SubscriberLag:
    """A subscriber's oldest entry it still has to take: not done, no receipt of its own, and one it wants."""

    subscriber: str
    entry_id: int | None
    recorded_at: datetime | None

    def age_seconds(self, now: datetime) -> float | None:
        return None if self.recorded_at is None else round((now - self.recorded_at).total_seconds(), 1)


def list_subscriber_lags() -> list[SubscriberLag]:
    """Each registered subscriber's oldest unconsumed entry, across tenants (None when it is up to date).

    "Unconsumed" as dispatch decides it: an entry is finished for a subscriber once it holds a receipt or does not
    want the entry (replayed history, its own automation's changes, a kind it filters out), so entries without its
    receipt are checked with `wants()`. The scan is bounded (LAG_SCAN_BATCHES batches of undone entries per
    subscriber), so a long tail of entries it does not want, left undone by another lagging subscriber, may hide
    an older one of its own; that other subscriber is then reported lagging."""
    with unscoped():
        return [_lag(subscriber) for subscriber in subscribers()]


def _lag(subscriber: Subscriber) -> SubscriberLag:
    after = 0
    for _batch in range(LAG_SCAN_BATCHES):
        entries = list(
            FeedEntry.objects.filter(done_at__isnull=True, pk__gt=after)
            .exclude(receipts__subscriber=subscriber.name)
            .order_by("pk")[:LAG_SCAN_BATCH]
        )
        if not entries:
            break
        after = entries[-1].pk
        for change in changes_of(entries):
            if subscriber.wants(change):
                return SubscriberLag(subscriber.name, change.entry_id, change.recorded_at)
        if len(entries) < LAG_SCAN_BATCH:
            break
    return SubscriberLag(subscriber.name, None, None)
