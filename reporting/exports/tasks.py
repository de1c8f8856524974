"""The export task (imported by ReportingConfig.ready so every worker knows it)."""

from __future__ import annotations

from celery import shared_task

from reporting.exports.services import EXPORT_TASK, run_export
from tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name=EXPORT_TASK)
def build_export_task(*, tenant_id: int, job_id: int) -> int:
    """Build one export's file; running it twice rebuilds nothing once the job is done."""
    return run_export(job_id=job_id).rows
