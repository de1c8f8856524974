"""The change feed: one entry per transaction and ticket that recorded audit events, and the subscribers' receipts.

An entry is written inside the transaction that recorded the events (a trigger on tickets_ticketevent on
PostgreSQL, tickets.feed.recording on SQLite), so it commits or rolls back with them, savepoints included. The
worker hands each entry to every registered subscriber (tickets.feed.dispatch); a subscriber's receipt is
written in the same transaction as its work, so an entry handed out twice is acted on once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import TenantModel
from tickets.models.ticket import Ticket


class FeedEntry(TenantModel):
    """What one transaction changed on one ticket: the ids of the audit events it recorded, in order.

    Each event keeps its own actor, kind and old/new values; the entry only groups them. `xact_id` names the
    transaction (PostgreSQL's pg_current_xact_id(); a random key on SQLite), so the trigger appends an event to
    the entry of its own transaction. `done_at` is set once every subscriber has taken the entry."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+", db_index=False)
    xact_id = models.BigIntegerField()
    event_ids = models.JSONField(default=list)
    # Recorded while history was replayed (tickets.clock.replaying): subscribers act on it without side effects.
    replay = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "xact_id"], name="feedentry_one_per_transaction")
        ]
        indexes = [
            # What the worker reads: the undone entries, oldest first (a small partial index).
            models.Index(fields=["tenant", "id"], name="feedentry_undone", condition=Q(done_at__isnull=True)),
        ]

    def __repr__(self) -> str:
        return f"<FeedEntry #{self.pk} ticket={self.ticket_id} events={self.event_ids}>"


class FeedReceipt(TenantModel):
    """A subscriber has taken an entry: written in the subscriber's own transaction, together with its work."""

    subscriber = models.CharField(max_length=60)
    entry = models.ForeignKey(FeedEntry, on_delete=models.CASCADE, related_name="receipts", db_index=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "entry", "subscriber"], name="feedreceipt_once"),
        ]
