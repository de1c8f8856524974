"""Follow-up work that must happen, written down in the transaction that caused it.

`on_commit_task()` inserts a PendingTask row in the caller's transaction and sends the task once that
commits. The row is written as sent (the attempt at commit counted in advance), so a successful send after
commit costs no statement and no transaction of its own; only a failed send writes (it takes the attempt back).
The task base class marks the row done after the task succeeds. `redeliver_pending()` (a periodic
job) re-sends rows still undone after a grace period, so a crash or broker outage between commit and send
loses nothing; tasks are idempotent, so a duplicate send is harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tenancy.context import require_tenant_id, tenant_context, unscoped
from tenancy.models import PendingTask

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 25


def on_commit_task(task_name: str, **kwargs) -> PendingTask:
    """Record `task_name(tenant_id=..., **kwargs)` now and send it when the current transaction commits."""
    tenant_id = require_tenant_id()
    # Recorded as sent now: a request publishing two tasks used to spend a transaction (BEGIN, UPDATE, COMMIT,
    # a WAL flush with synchronous commit) on each after its own commit, to write what is known here already.
    pending = PendingTask.objects.create(
        tenant_id=tenant_id, task_name=task_name, kwargs=kwargs, last_sent_at=timezone.now(), attempts=1
    )
    transaction.on_commit(lambda: send_pending(pending, recorded=True))
    return pending


def send_pending(pending: PendingTask, *, recorded: bool = False) -> bool:
    """Hand one recorded task to Celery; a broker error leaves it for redelivery.

    `recorded`: the row already counts this attempt (on_commit_task writes it so); a failure then takes the
    attempt back, so `last_sent_at` stays empty for work that never reached the broker. Runs in the task's own
    tenant: commit hooks may fire after the scope that recorded them has ended.
    """
    kwargs = {**pending.kwargs, "tenant_id": pending.tenant_id, "outbox_id": pending.pk}
    with tenant_context(pending.tenant_id):
        try:
            # No publish retries: a commit hook must not stall a request; the redelivery job retries instead.
            current_app.signature(pending.task_name, kwargs=kwargs).apply_async(retry=False)
        except Exception:
            logger.exception("Could not send %s #%s; the redelivery job will retry it", pending.task_name, pending.pk)
            if recorded:
                PendingTask.objects.filter(pk=pending.pk).update(last_sent_at=None, attempts=F("attempts") - 1)
            return False
        if not recorded:
            PendingTask.objects.filter(pk=pending.pk).update(last_sent_at=timezone.now(), attempts=F("attempts") + 1)
    return True


def mark_done(outbox_id: int) -> None:
    PendingTask.objects.filter(pk=outbox_id, done_at__isnull=True).update(done_at=timezone.now())


def redeliver_pending(*, limit: int = 500) -> int:
    """Re-send recorded tasks that are still undone after the grace period; return how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    with unscoped():
        due = list(
            PendingTask.objects.filter(done_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
            .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=cutoff))
            .order_by("last_sent_at", "id")[:limit]
        )
        return sum(send_pending(pending) for pending in due)


PRUNE_BATCH_SIZE = 5000


def prune_done(*, older_than_days: int, batch_size: int = PRUNE_BATCH_SIZE) -> int:
    """Delete done rows finished more than `older_than_days` ago, across tenants; return how many.

    One short transaction per batch of ids, so no DELETE holds its locks long or blocks the outbox's writers.
    Undone rows are never touched, however old: they are work still owed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        with unscoped():
            ids = list(PendingTask.objects.filter(done_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
            if ids:
                PendingTask.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if len(ids) < batch_size:
            return deleted
