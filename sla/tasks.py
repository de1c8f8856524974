"""SLA's background tasks (imported by SlaConfig.ready so every process knows them)."""

from __future__ import annotations

from celery import shared_task

from sla.reapply import lease_name, run_reapply
from sla.services import REAPPLY_TASK
from tenancy.context import require_tenant_id
from tenancy.leases import job_lease
from tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name=REAPPLY_TASK, bind=True, max_retries=None)
def reapply_policy_task(self, *, tenant_id: int, job_id: int) -> int | None:
    """Re-apply a policy to its open tickets; one job per tenant at a time (a second one retries in a minute)."""
    with job_lease(lease_name(require_tenant_id()), ttl_seconds=3600) as held:
        if not held:
            raise self.retry(countdown=60)
        return run_reapply(job_id=job_id).done
