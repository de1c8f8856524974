"""The change feed's tasks (registered by TicketsConfig.ready, so every process knows them)."""

from __future__ import annotations

from celery import shared_task

from tenancy.tasks import PlatformTask, TenantTask
from tickets.feed.dispatch import drain, sweep
from tickets.feed.recording import DRAIN_TASK


@shared_task(base=TenantTask, name=DRAIN_TASK)
def drain_feed_task(*, tenant_id: int) -> int:
    """Hand the tenant's new feed entries to every subscriber; a second run does nothing twice."""
    return drain()


@shared_task(base=PlatformTask, name="tickets.sweep_feed")
def sweep_feed_task() -> int:
    """Periodic: drain the tenants whose entries are still undone after the grace period."""
    return sweep()
