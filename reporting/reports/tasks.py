"""Scheduled-report tasks: the hourly scheduler (beat) and the one-mail sender (through the outbox).

Imported while the models load (reporting.reports.models), so the services are imported inside the bodies."""

from __future__ import annotations

from celery import shared_task

from tenancy.context import tenant_context, unscoped
from tenancy.leases import leased
from tenancy.tasks import PlatformTask, TenantTask

SCHEDULE_TASK = "reporting.schedule_weekly_summaries"
SEND_TASK = "reporting.send_weekly_summary"


@shared_task(base=PlatformTask, name=SCHEDULE_TASK)
@leased(SCHEDULE_TASK, ttl_seconds=900)
def schedule_weekly_summaries_task() -> int | None:
    """Hourly: for each tenant with subscribers, claim the week that ended (in its zone) and queue the mails."""
    from reporting.reports.models import ReportSubscription
    from reporting.reports.services import schedule_weekly_summaries
    from tenancy.models import Tenant

    with unscoped():
        tenant_ids = list(ReportSubscription.objects.values_list("tenant_id", flat=True).distinct().order_by())
    scheduled = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            scheduled += schedule_weekly_summaries(tenant=Tenant.objects.get(pk=tenant_id))
    return scheduled


@shared_task(base=TenantTask, name=SEND_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_weekly_summary_task(*, tenant_id: int, subscription_id: int, period_start: str) -> bool:
    from reporting.reports.services import send_weekly_summary

    return send_weekly_summary(subscription_id=subscription_id, period_start=period_start)
