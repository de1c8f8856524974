"""The task base classes and the platform's periodic jobs."""

from __future__ import annotations

import smtplib
import time

from celery import Task, shared_task
from django.conf import settings
from django.core.cache import cache

from tenancy.context import no_tenant, tenant_context
from tenancy.leases import leased
from tenancy.outbox import SEND_RECORDED_TASK, mark_done, prune_done, redeliver_pending, send_recorded
from tenancy.services.invitations import mail_invitation

HEARTBEAT_KEY = "scheduler-heartbeat"


class MissingTenantError(TypeError):
    """A tenant task was called without an explicit integer tenant_id."""


class TenantTask(Task):
    """Run the task body inside `tenant_context(tenant_id)`; `tenant_id` is a required keyword argument.

    The scope (and with it the database setting, which is per transaction) is reset when the body ends, so
    two tasks in a row on one worker never share a tenant. Tasks are idempotent and acknowledged late.
    """

    acks_late = True
    reject_on_worker_lost = True
    # The outbox adds `outbox_id`, which __call__ removes before the body runs; Celery's send-time argument
    # check would refuse it.
    typing = False

    def __call__(self, *args, **kwargs):
        outbox_id = kwargs.pop("outbox_id", None)
        tenant_id = kwargs.get("tenant_id")
        if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
            raise MissingTenantError(f"{self.name} needs tenant_id=<int>, got {tenant_id!r}")
        with tenant_context(tenant_id):
            result = super().__call__(*args, **kwargs)
            if outbox_id is not None:
                mark_done(outbox_id)
        return result


class PlatformTask(Task):
    """A cross-tenant job: runs with no tenant in scope and must enter unscoped() or tenant_context() itself."""

    acks_late = True

    def __call__(self, *args, **kwargs):
        with no_tenant():
            return super().__call__(*args, **kwargs)


@shared_task(base=TenantTask, name=SEND_RECORDED_TASK)
def send_recorded_tasks_task(*, tenant_id: int, outbox_ids: list[int]) -> int:
    """Hand the tasks one transaction recorded, sent together, to Celery one by one (tenancy.outbox)."""
    return send_recorded(outbox_ids=outbox_ids)


@shared_task(base=PlatformTask, name="tenancy.redeliver_pending_tasks")
@leased("tenancy.redeliver_pending_tasks", ttl_seconds=300)
def redeliver_pending_tasks_task() -> int | None:
    return redeliver_pending()


@shared_task(base=PlatformTask, name="tenancy.prune_outbox")
@leased("tenancy.prune_outbox", ttl_seconds=1800)
def prune_outbox_task() -> int | None:
    """Periodic: delete done outbox rows older than OUTBOX_RETENTION_DAYS."""
    return prune_done(older_than_days=settings.OUTBOX_RETENTION_DAYS)


@shared_task(base=PlatformTask, name="tenancy.heartbeat")
def heartbeat_task() -> float:
    """Record that the scheduler and a worker are alive (shown by /healthz; /healthz/scheduler watches it).

    Not leased: two beats at once do no harm, and a lease could only hide a live scheduler."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task(
    base=TenantTask,
    name="tenancy.send_invitation",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_kwargs={"max_retries": 6},
)
def send_invitation_task(*, tenant_id: int, invitation_id: int) -> bool:
    """Mail an invitation's newest link (queued by the outbox when it was created or sent again)."""
    return mail_invitation(invitation_id=invitation_id)
