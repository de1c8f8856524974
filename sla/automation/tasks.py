"""The periodic auto-resolve and auto-close job (beat: config.settings CELERY_BEAT_SCHEDULE; the embedded demo
runs the same schedule)."""

from __future__ import annotations

import logging

from celery import shared_task

from sla.automation.run import run_automations
from sla.models import StatusClock
from tenancy.context import tenant_context, unscoped
from tenancy.leases import leased
from tenancy.tasks import PlatformTask

logger = logging.getLogger(__name__)
TASK = "sla.run_automations"


@shared_task(base=PlatformTask, name=TASK)
@leased(TASK, ttl_seconds=900)
def run_automations_task() -> int | None:
    """Every tenant with a pending or resolved ticket, one after the other (the lease keeps runs from
    overlapping); a tenant that fails is logged and retried by the next run, the others go on."""
    with unscoped():
        tenant_ids = list(
            StatusClock.objects.filter(tenant__is_active=True).values_list("tenant_id", flat=True).distinct()
        )
    changed = 0
    for tenant_id in sorted(tenant_ids):
        try:
            with tenant_context(tenant_id):
                result = run_automations()
        except Exception:
            logger.exception("Auto-resolve/auto-close failed in tenant #%s; the next run tries again", tenant_id)
            continue
        changed += len(result.resolved) + len(result.closed)
    return changed
