"""The delivery task (registered by TicketsConfig.ready, so every process knows it)."""

from __future__ import annotations

from celery import shared_task

from tenancy.leases import leased
from tenancy.tasks import PlatformTask, TenantTask
from tickets.services.webhooks import DELIVER_TASK, attempt_delivery, resend_stalled_deliveries


@shared_task(base=TenantTask, bind=True, name=DELIVER_TASK, max_retries=None)
def deliver_webhook_task(self, *, tenant_id: int, delivery_id: int) -> float | None:
    """Try one delivery when it is due; when it should be tried (again) later, schedule this task with that
    countdown and return at once, so a receiver that is down holds no worker.

    The delivery row counts the tries (the service stops at its maximum), so Celery's own limit is off. The
    retry is scheduled without raising, so this run ends normally and its outbox record is marked done: the
    work is in the broker now, and the delivery's claim keeps copies of it from sending twice.
    """
    delay = attempt_delivery(delivery_id=delivery_id)
    if delay is not None:
        self.retry(countdown=delay, throw=False)
    return delay


@shared_task(base=PlatformTask, name="tickets.resend_stalled_webhooks")
@leased("tickets.resend_stalled_webhooks", ttl_seconds=600)
def resend_stalled_webhooks_task() -> int | None:
    """Periodic: hand retries the broker lost back to a worker (see resend_stalled_deliveries)."""
    return resend_stalled_deliveries()
