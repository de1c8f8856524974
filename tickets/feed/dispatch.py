"""The worker's side of the change feed: hand new entries to every subscriber, each in its own transaction.

`drain()` runs in one tenant (the drain task, recorded by every transaction that recorded events and sent when
no drain of the tenant waits (tenancy.outbox.one_waiting), and the periodic `sweep()` for whatever a lost task or
a failing subscriber left). It reads the undone entries in
batches, oldest first, with their events and receipts (three queries a batch), and gives each subscriber the
entries it has no receipt for, in one transaction per subscriber and batch. Usually that transaction inserts
the batch's receipts in one statement and hands the entries over with no savepoint each (a savepoint and a
receipt per entry were two thirds of a quiet subscriber's statements). The receipts come first: a copy of the
drain running at the same time waits on them and then skips those entries, and an entry handed out again does
nothing twice. When a subscriber raises, that transaction is rolled back and the batch redone with a savepoint
per entry: the failing entry's savepoint (receipt included) is rolled back and it gets the entry again on a
later run; the other subscribers, and its other entries, are neither blocked nor re-run. An entry is done once
every subscriber has taken it or did not want it.

Order: entries are handed out in id order. Every service locks the ticket row before recording, so one
ticket's entries get ids in commit order, and after a subscriber fails on an entry its later entries of that
ticket wait for the next run. A subscriber therefore normally sees one ticket's changes in order, but it is not
guaranteed (changes that do not lock the ticket, such as links and mail-intake notes, two drains at once):
subscribers must not depend on it (SLA recomputes from the ticket and the events' own times).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from tenancy.context import tenant_context, unscoped
from tenancy.db.lookups import AnyOf
from tenancy.db.router import scope_alias
from tickets.feed.recording import DRAIN_TASK
from tickets.feed.registry import Change, Subscriber, subscribers
from tickets.models import FeedEntry, FeedReceipt, TicketEvent

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES = 50  # a run hands out at most 10,000 entries; the next run (or the sweep) goes on
SWEEP_GRACE_SECONDS = 30  # newer entries are the drain task's; the sweep takes what it left


def drain(*, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
    """Hand the current tenant's undone entries to the subscribers; return how many entries are now done."""
    after, finished_count = 0, 0
    waiting: set[tuple[str, int]] = set()  # (subscriber, ticket): an earlier entry failed, keep the order
    registered = subscribers()
    for _batch in range(max_batches):
        entries = list(FeedEntry.objects.filter(done_at__isnull=True, pk__gt=after).order_by("pk")[:batch_size])
        if not entries:
            break
        after = entries[-1].pk
        changes = changes_of(entries)
        taken = set(
            FeedReceipt.objects.filter(entry_id__in=[entry.pk for entry in entries]).values_list(
                "subscriber", "entry_id"
            )
        )
        incomplete: set[int] = set()
        for subscriber in registered:
            wanted = []
            for change in changes:
                if (subscriber.name, change.entry_id) in taken or not subscriber.wants(change):
                    continue
                if (subscriber.name, change.ticket_id) in waiting:
                    incomplete.add(change.entry_id)
                else:
                    wanted.append(change)
            if wanted and not _deliver_batch(subscriber, wanted):
                _deliver_each(subscriber, wanted, waiting, incomplete)
        finished = [change.entry_id for change in changes if change.entry_id not in incomplete]
        if finished:
            FeedEntry.objects.filter(pk__in=finished, done_at__isnull=True).update(done_at=timezone.now())
        finished_count += len(finished)
        if len(entries) < batch_size:
            break
    return finished_count


def changes_of(entries: list[FeedEntry]) -> list[Change]:
    """The entries as subscribers see them, with their events (one query)."""
    wanted = sorted({event_id for entry in entries for event_id in entry.event_ids})
    # One array parameter: a batch's thousand ids written as IN (...) cost ~6 % of a routing worker's time to compile.
    events = {event.pk: event for event in TicketEvent.objects.filter(AnyOf(F("pk"), wanted))}
    return [
        Change(
            entry_id=entry.pk,
            tenant_id=entry.tenant_id,
            ticket_id=entry.ticket_id,
            events=tuple(events[event_id] for event_id in entry.event_ids if event_id in events),
            replay=entry.replay,
            recorded_at=entry.created_at,
        )
        for entry in entries
    ]


def _deliver_batch(subscriber: Subscriber, changes: list[Change]) -> bool:
    """The usual case, in one transaction: the receipts in one statement, then every change with no savepoint of
    its own. False when a change failed: all of it is rolled back, to be redone one savepoint per change."""
    try:
        with transaction.atomic(), subscriber.batch(changes):
            took = _take_all(subscriber.name, changes)
            for change in changes:
                if change.entry_id in took:
                    subscriber.handle(change)
    except Exception:
        logger.info("Feed subscriber %s failed in a batch of %s entries; redoing them one by one", subscriber.name,
                    len(changes))  # fmt: skip
        return False
    return True


def _deliver_each(subscriber: Subscriber, changes: list[Change], waiting: set, incomplete: set[int]) -> None:
    """One transaction, a savepoint per change: a failing change rolls back alone (its receipt with it), and its
    ticket's later changes wait for the next run."""
    with transaction.atomic():
        for change in changes:
            key = (subscriber.name, change.ticket_id)
            if key in waiting or not _deliver(subscriber, change):
                waiting.add(key)
                incomplete.add(change.entry_id)


def _deliver(subscriber: Subscriber, change: Change) -> bool:
    """Run one subscriber on one change in a savepoint of its own; False when it failed (it gets it again)."""
    try:
        with transaction.atomic():
            if not _take(subscriber.name, change):
                return True  # another run took it and committed: done for this subscriber
            subscriber.handle(change)
    except Exception:
        logger.exception("Feed subscriber %s failed on entry #%s; it gets it again later", subscriber.name,
                         change.entry_id)  # fmt: skip
        return False
    return True


def _take(subscriber: str, change: Change) -> bool:
    """Insert the receipt; False when one exists (a concurrent insert waits here until that one commits)."""
    connection = connections[scope_alias()]
    table = FeedReceipt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (tenant_id, subscriber, entry_id, created_at) VALUES (%s, %s, %s, %s) '  # noqa: S608 - the table name is ours
            "ON CONFLICT (tenant_id, entry_id, subscriber) DO NOTHING",
            [change.tenant_id, subscriber, change.entry_id, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.rowcount == 1


def _take_all(subscriber: str, changes: list[Change]) -> set[int]:
    """Insert the receipts in entry order; the entries whose receipt this inserted (another run's, committed or
    not, wins: an uncommitted one is waited for). One order for every run, so two runs never deadlock."""
    connection = connections[scope_alias()]
    table = FeedReceipt._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ordered = sorted(changes, key=lambda change: change.entry_id)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(ordered))
    params = [value for change in ordered for value in (change.tenant_id, subscriber, change.entry_id, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (tenant_id, subscriber, entry_id, created_at) VALUES {rows} '  # noqa: S608 - the table name is ours
            "ON CONFLICT (tenant_id, entry_id, subscriber) DO NOTHING RETURNING entry_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def sweep(*, grace_seconds: int = SWEEP_GRACE_SECONDS) -> int:
    """Periodic, across tenants: send the drain task to every tenant with entries left undone (a lost task, a
    subscriber that failed, replayed history); return how many tenants."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    with unscoped():
        undone = FeedEntry.objects.filter(done_at__isnull=True, created_at__lt=cutoff)
        tenant_ids = sorted(set(undone.values_list("tenant_id", flat=True)))
    sent = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            try:
                current_app.signature(DRAIN_TASK, kwargs={"tenant_id": tenant_id}).apply_async(retry=False)
            except Exception:
                logger.exception("Could not send the feed drain for tenant #%s; the next sweep tries again", tenant_id)
                continue
        sent += 1
    return sent
