"""Leave the feed entry of the current transaction (called by record_event for every audit event).

PostgreSQL: the trigger on tickets_ticketevent (migration tickets 0012) upserts the entry keyed by tenant, ticket
and pg_current_xact_id(), so recording costs no statement here. SQLite (the demo) has no transaction id; there
the entry is written from here, keyed by a random id held for the transaction: one UPDATE (append) or INSERT
per event, in the same transaction, so it rolls back with it.

Once per transaction the drain task is recorded in the outbox (one INSERT), so the worker takes the new entries
promptly after commit and a broker outage loses nothing (it is sent only when no drain waits for the tenant: the
one waiting takes these entries too, tickets.feed.tasks); history replayed by an import publishes nothing (the
periodic sweep hands its entries over, marked replay). That INSERT is the only statement the feed adds to a
write on PostgreSQL; a new ticket writes it within its own one statement (drain_to_write, tickets.services.opening).
"""

from __future__ import annotations

import secrets

from django.db import connections, transaction

from tenancy.context import current_tenant_id
from tenancy.db.router import scope_alias
from tenancy.models import PendingTask
from tenancy.outbox import new_pending, on_commit_task, publish_recorded
from tickets import clock
from tickets.models import FeedEntry, TicketEvent

DRAIN_TASK = "tickets.drain_feed"


class _FeedTransaction:
    """The commit callback that marks a transaction as one that recorded events (and published the drain).

    Django drops commit callbacks registered inside a savepoint that rolls back, together with that savepoint's
    rows: finding this callback among the connection's pending ones means this transaction has published
    already, and (on SQLite) that its entries carry this key."""

    def __init__(self) -> None:
        self.key = secrets.randbits(62)

    def __call__(self) -> None:
        """Nothing to do on commit: the outbox's own callback sends the drain task."""


def _current(connection) -> _FeedTransaction | None:
    if not connection.in_atomic_block:
        return None
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _FeedTransaction):
            return callback
    return None


def event_recorded(event: TicketEvent, *, drain: PendingTask | None = None) -> None:
    """Called once for each audit event, in the transaction that recorded it. `drain`: the row of
    `drain_to_write()`, written by the caller together with the event."""
    events_recorded([event], drain=drain)


def drain_to_write() -> PendingTask | None:
    """The drain's outbox row, unsaved, when the event about to be written will be the first of its transaction
    to publish one; else None. For a writer that inserts the row with the event (tickets.services.opening) and
    then passes it to event_recorded."""
    if _current(connections[scope_alias()]) is not None or not _publishes():
        return None
    return new_pending(DRAIN_TASK)


def _publishes() -> bool:
    # Inside unscoped() (platform code) there is no tenant to publish for: the periodic sweep takes it.
    return not clock.is_replaying() and current_tenant_id() is not None


def events_recorded(events: list[TicketEvent], *, drain: PendingTask | None = None) -> None:
    """Called for audit events written together (in order, in the transaction that recorded them): the drain is
    published once, and on PostgreSQL a replayed ticket's entry is marked once (the trigger made one per ticket)."""
    alias = scope_alias()
    connection = connections[alias]
    marker = _current(connection)
    fresh = marker is None
    if drain is not None and not fresh:
        raise ValueError("This transaction has published its drain already: drain_to_write() said so.")
    if fresh:
        marker = _FeedTransaction()
        if drain is not None:
            publish_recorded(drain)
        elif _publishes():
            on_commit_task(DRAIN_TASK)
        transaction.on_commit(marker, using=alias)
    if connection.vendor == "postgresql":
        if clock.is_replaying():
            _mark_replay(connection, events)
        return
    for event in events:
        _collect(connection, marker, event, fresh=fresh)
        fresh = False


def _mark_replay(connection, events: list[TicketEvent]) -> None:
    """Imports only: the trigger cannot see Python's replay flag, so the entries are marked here."""
    for tenant_id in sorted({event.tenant_id for event in events}):
        ticket_ids = sorted({event.ticket_id for event in events if event.tenant_id == tenant_id})
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_feedentry SET replay = true "
                "WHERE tenant_id = %s AND ticket_id = ANY(%s) AND xact_id = pg_current_xact_id()::text::bigint",
                [tenant_id, ticket_ids],
            )


def _collect(connection, marker: _FeedTransaction, event: TicketEvent, *, fresh: bool) -> None:
    """SQLite: append the event to this transaction's entry for its ticket, or start that entry (a transaction's
    first event starts one at once: no entry carries a key made just now)."""
    if not fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_feedentry SET event_ids = json_insert(event_ids, '$[#]', %s) "
                "WHERE tenant_id = %s AND ticket_id = %s AND xact_id = %s",
                [event.pk, event.tenant_id, event.ticket_id, marker.key],
            )
            if cursor.rowcount:
                return
    FeedEntry.objects.using(connection.alias).create(
        tenant_id=event.tenant_id,
        ticket_id=event.ticket_id,
        xact_id=marker.key,
        event_ids=[event.pk],
        replay=clock.is_replaying(),
    )
