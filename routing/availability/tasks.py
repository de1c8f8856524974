"""The periodic availability jobs: idle agents become away, tickets of agents offline too long return to the queue.
Each runs across tenants under a lease (never twice at once), one tenant at a time in its own scope."""

from __future__ import annotations

from celery import shared_task

from routing.availability.services import mark_idle_away, return_offline_work
from tenancy.context import tenant_context, unscoped
from tenancy.leases import leased
from tenancy.models import Tenant
from tenancy.tasks import PlatformTask


def _tenant_ids(**rule) -> list[int]:
    with unscoped():
        return list(Tenant.objects.filter(is_active=True, **rule).values_list("pk", flat=True))


@shared_task(base=PlatformTask, name="routing.mark_idle_away")
@leased("routing.mark_idle_away", ttl_seconds=300)
def mark_idle_away_task() -> int | None:
    """Every tenant with an idle rule: online agents idle too long become away; returns how many."""
    count = 0
    for tenant_id in _tenant_ids(away_after_idle_minutes__gt=0):
        with tenant_context(tenant_id):
            count += mark_idle_away(tenant=Tenant.objects.get(pk=tenant_id))
    return count


@shared_task(base=PlatformTask, name="routing.return_offline_work")
@leased("routing.return_offline_work", ttl_seconds=600)
def return_offline_work_task() -> int | None:
    """Every tenant with an offline rule: open tickets of agents offline too long return to their queues."""
    count = 0
    for tenant_id in _tenant_ids(return_after_offline_minutes__gt=0):
        with tenant_context(tenant_id):
            count += return_offline_work(tenant=Tenant.objects.get(pk=tenant_id))
    return count
