"""SLA's background tasks (imported by SlaConfig.ready so every process knows them)."""

from __future__ import annotations

import logging

from celery import current_app, shared_task
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sla.models import SlaTarget
from sla.reapply import lease_name, run_reapply
from sla.services import REAPPLY_TASK
from sla.sweep import sweep
from tenancy.context import require_tenant_id, tenant_context, unscoped
from tenancy.leases import job_lease, leased
from tenancy.models import Tenant
from tenancy.tasks import PlatformTask, TenantTask

logger = logging.getLogger(__name__)

SWEEP_TASK = "sla.sweep_tenant"
SWEEP_LEASE_SECONDS = 600


@shared_task(base=TenantTask, name=REAPPLY_TASK, bind=True, max_retries=None)
def reapply_policy_task(self, *, tenant_id: int, job_id: int) -> int | None:
    """Re-apply a policy to its open tickets; one job per tenant at a time (a second one retries in a minute)."""
    with job_lease(lease_name(require_tenant_id()), ttl_seconds=3600) as held:
        if not held:
            raise self.retry(countdown=60)
        return run_reapply(job_id=job_id).done


def sweep_lease_name(tenant_id: int) -> str:
    return f"sla.sweep:{tenant_id}"


@shared_task(base=TenantTask, name=SWEEP_TASK)
def sweep_tenant_task(*, tenant_id: int) -> int | None:
    """One tenant's SLA sweep, never two at once (the tenant's job lease; a run that finds it held skips: the
    next minute's run picks up whatever is still due)."""
    with job_lease(sweep_lease_name(require_tenant_id()), ttl_seconds=SWEEP_LEASE_SECONDS) as held:
        if not held:
            return None
        result = sweep()
        return result.warnings + result.breaches + result.steps


@shared_task(base=PlatformTask, name="sla.sweep")
@leased("sla.sweep", ttl_seconds=120)
def sweep_task() -> int:
    """Periodic (every minute): send the sweep to each tenant with a target due (one indexed probe per tenant)."""
    now = timezone.now()
    with unscoped():
        due = SlaTarget.objects.filter(tenant_id=OuterRef("pk"), state=SlaTarget.State.RUNNING, next_check_at__lte=now)
        tenant_ids = list(Tenant.objects.filter(Exists(due)).order_by("pk").values_list("pk", flat=True))
    sent = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            try:
                current_app.signature(SWEEP_TASK, kwargs={"tenant_id": tenant_id}).apply_async(retry=False)
            except Exception:
                logger.exception("Could not send the SLA sweep for tenant #%s; the next minute tries again", tenant_id)
                continue
        sent += 1
    return sent
