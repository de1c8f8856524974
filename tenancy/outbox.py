"""Follow-up work that must happen, written down in the transaction that caused it.

`on_commit_task()` inserts a PendingTask row in the caller's transaction and sends the task once that
commits. The row is written as sent (the attempt at commit counted in advance), so a successful send after
commit costs no statement and no transaction of its own; only a failed send writes (it takes the attempt back).
The task base class marks the row done after the task succeeds. `redeliver_pending()` (a periodic
job) re-sends rows still undone after a grace period, so a crash or broker outage between commit and send
loses nothing; tasks are idempotent, so a duplicate send is harmless.

Several tasks recorded by one transaction (at one savepoint level, for one tenant) are sent together, in one
round trip to Redis (tenancy.publishing.send_many: messages built here, where Celery's apply_async spent about a
millisecond of Python on each). They used to travel as one message that a worker's `send_recorded()` then handed
on: a task run, a read of the rows and a publish each, about 8 % of a routing worker's time at 100 new tickets a
second. `send_recorded()` stays for such messages still queued.

A task registered with `one_waiting()` (the change feed's drain: one run takes everything committed before it
starts) is sent only when none of its messages for the tenant is waiting (publishing.send_once); a row not sent
is marked done by the run that was waiting, which calls `take_waiting()` before it reads. At 100 new tickets a
second the worker used to spend about half its time on drains that found nothing left.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tenancy import publishing
from tenancy.context import require_tenant_id, tenant_context, unscoped
from tenancy.models import PendingTask

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 25
SEND_RECORDED_TASK = "tenancy.send_recorded_tasks"
WAITING_TTL_SECONDS = 60  # a lost message holds back newer ones at most this long

_ONE_WAITING: set[str] = set()


def one_waiting(task_name: str) -> None:
    """Register a task whose one run takes the work of every row recorded before it starts (idempotent): it is
    sent only when no message of it waits for the tenant, and it must call `take_waiting()` before it reads."""
    _ONE_WAITING.add(task_name)


def _waiting_flag(task_name: str, tenant_id: int) -> str:
    return f"outbox:waiting:{task_name}:{tenant_id}"


def take_waiting(task_name: str) -> int:
    """A run of a `one_waiting` task begins, in the current tenant: take its flag down, so whatever commits from
    now on sends a new message, and mark done the rows whose sending the flag held back (the caller reads their
    work after this; the rows committed with it). Returns how many rows; 0 where nothing is held back.

    Only rows sent (or held back) within the redelivery's grace period: a range of the undone rows' index, where
    all undone rows were a scan of every tenant's (100,000 on the bench database, left by purged queues). Older
    ones are the redelivery job's, whose message then marks its row done as any task does."""
    if not publishing.take_flag(_waiting_flag(task_name, require_tenant_id())):
        return 0
    now = timezone.now()
    recent = now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    held = PendingTask.objects.filter(task_name=task_name, done_at__isnull=True, last_sent_at__gte=recent)
    return held.update(done_at=now)


def on_commit_task(task_name: str, **kwargs) -> PendingTask:
    """Record `task_name(tenant_id=..., **kwargs)` now and send it when the current transaction commits."""
    pending = new_pending(task_name, **kwargs)
    pending.save(force_insert=True)
    return publish_recorded(pending)


def new_pending(task_name: str, **kwargs) -> PendingTask:
    """The row on_commit_task writes, unsaved: for a writer that inserts it together with other rows (the
    intake's one statement, tickets.services.opening), then hands it to `publish_recorded`."""
    # Recorded as sent now: a request publishing two tasks used to spend a transaction (BEGIN, UPDATE, COMMIT,
    # a WAL flush with synchronous commit) on each after its own commit, to write what is known here already.
    return PendingTask(
        tenant_id=require_tenant_id(), task_name=task_name, kwargs=kwargs, last_sent_at=timezone.now(), attempts=1
    )


def publish_recorded(pending: PendingTask) -> PendingTask:
    """Send a row of `new_pending`, written in the current transaction, when that commits."""
    _publish(pending.tenant_id, [pending])
    return pending


def on_commit_tasks(task_name: str, arguments: list[dict]) -> list[PendingTask]:
    """`on_commit_task` for several calls of one task, recorded in one statement."""
    if not arguments:
        return []
    tenant_id = require_tenant_id()
    now = timezone.now()
    pending = PendingTask.objects.bulk_create(
        [
            PendingTask(tenant_id=tenant_id, task_name=task_name, kwargs=kwargs, last_sent_at=now, attempts=1)
            for kwargs in arguments
        ]
    )
    _publish(tenant_id, pending)
    return pending


def _publish(tenant_id: int, pending: list[PendingTask]) -> None:
    publication = _open_publication(tenant_id)
    if publication is not None:
        publication.pending.extend(pending)
        return
    if not transaction.get_connection().in_atomic_block:
        for row in pending:  # outside a transaction each is sent at once, as it was recorded
            transaction.on_commit(_Publication(tenant_id, row))
        return
    publication = _Publication(tenant_id, pending[0])
    publication.pending.extend(pending[1:])
    transaction.on_commit(publication)


class _Publication:
    """The commit callback that sends what a transaction recorded at one savepoint level for one tenant.

    Django drops a commit callback together with the savepoint it was registered in when that rolls back, and
    with it the rows its list names (they were all recorded at that level), so nothing rolled back is sent."""

    def __init__(self, tenant_id: int, first: PendingTask) -> None:
        self.tenant_id = tenant_id
        self.pending = [first]

    def __call__(self) -> None:
        _send_together(self.tenant_id, self.pending)


def _open_publication(tenant_id: int) -> _Publication | None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    level = set(connection.savepoint_ids)
    for savepoint_ids, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Publication) and callback.tenant_id == tenant_id and savepoint_ids == level:
            return callback
    return None


def _send_together(tenant_id: int, rows: list[PendingTask]) -> bool:
    """Recorded tasks sent in one round trip, in the order recorded (their rows count the attempt already); a
    failure takes the attempt back for all of them, and the redelivery job sends them again."""
    with tenant_context(tenant_id):
        try:
            publishing.send_many([_outgoing(row) for row in rows], ttl_seconds=WAITING_TTL_SECONDS)
        except Exception:
            ids = [row.pk for row in rows]
            logger.exception("Could not send outbox rows %s; the redelivery job will retry them", ids)
            PendingTask.objects.filter(pk__in=ids).update(last_sent_at=None, attempts=F("attempts") - 1)
            return False
    return True


def _outgoing(pending: PendingTask) -> tuple[str, dict, str | None]:
    """The task, its arguments and, for a `one_waiting` task, its flag."""
    kwargs = {**pending.kwargs, "tenant_id": pending.tenant_id, "outbox_id": pending.pk}
    flag = _waiting_flag(pending.task_name, pending.tenant_id) if pending.task_name in _ONE_WAITING else None
    return pending.task_name, kwargs, flag


def send_recorded(*, outbox_ids: list[int]) -> int:
    """A message of the earlier shared form: send each recorded task still undone, in the order recorded."""
    due = PendingTask.objects.filter(pk__in=outbox_ids, done_at__isnull=True).order_by("pk")
    return sum(send_pending(pending, recorded=True) for pending in due)


def send_pending(pending: PendingTask, *, recorded: bool = False) -> bool:
    """Hand one recorded task to Celery; a broker error leaves it for redelivery.

    `recorded`: the row already counts this attempt (on_commit_task writes it so); a failure then takes the
    attempt back, so `last_sent_at` stays empty for work that never reached the broker. Runs in the task's own
    tenant: commit hooks may fire after the scope that recorded them has ended.
    """
    task_name, kwargs, flag = _outgoing(pending)
    with tenant_context(pending.tenant_id):
        try:
            # No publish retries: a commit hook must not stall a request; the redelivery job retries instead.
            if flag is not None:
                publishing.send_once(task_name, kwargs, flag=flag, ttl_seconds=WAITING_TTL_SECONDS)
            else:
                publishing.send(task_name, kwargs)
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
