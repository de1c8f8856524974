"""The change feed's tasks (registered by TicketsConfig.ready, so every process knows them)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from tenancy.leases import leased
from tenancy.outbox import take_waiting
from tenancy.tasks import PlatformTask, TenantTask
from tickets.feed.dispatch import drain, sweep
from tickets.feed.housekeeping import prune_done_entries
from tickets.feed.recording import DRAIN_TASK


@shared_task(base=TenantTask, name=DRAIN_TASK)
def drain_feed_task(*, tenant_id: int) -> int:
    """Hand the tenant's new feed entries to every subscriber; a second run does nothing twice.

    Only one drain message waits per tenant (tenancy.outbox.one_waiting): taking it down before the first read
    makes every transaction that commits after this point send a new one, and everything committed before it is
    read below, so no entry is left without a drain coming for it."""
    take_waiting(DRAIN_TASK)
    return drain()


@shared_task(base=PlatformTask, name="tickets.sweep_feed")
@leased("tickets.sweep_feed", ttl_seconds=300)
def sweep_feed_task() -> int | None:
    """Periodic: drain the tenants whose entries are still undone after the grace period."""
    return sweep()


@shared_task(base=PlatformTask, name="tickets.prune_feed")
@leased("tickets.prune_feed", ttl_seconds=1800)
def prune_feed_task() -> int | None:
    """Periodic: delete done feed entries (and their receipts) older than FEED_RETENTION_DAYS."""
    return prune_done_entries(older_than_days=settings.FEED_RETENTION_DAYS)
