"""Follow-up work is recorded with its cause and survives a broker outage; a real worker runs it in its tenant."""

import contextlib
import os
import time
from datetime import timedelta
from unittest import mock

import kombu.pools
import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from tenancy.context import current_tenant_id, tenant_context, unscoped
from tenancy.models import Membership, PendingTask
from tenancy.outbox import on_commit_task, redeliver_pending
from tenancy.tasks import TenantTask


@shared_task(base=TenantTask, name="tests.record_scope")
def record_scope_task(*, tenant_id: int, marker: str) -> None:
    # The cache key carries the tenant in scope, so the test reads it back from inside the same tenant.
    cache.set(f"seen-{marker}", {"scope": current_tenant_id(), "members": Membership.objects.count()})


def _seen(tenant, marker):
    with tenant_context(tenant):
        return cache.get(f"seen-{marker}")


@pytest.mark.django_db(transaction=True)
def test_task_is_recorded_in_the_transaction_and_sent_on_commit(tenant, agent):
    # given a change that records follow-up work
    with tenant_context(tenant), transaction.atomic():
        pending = on_commit_task("tests.record_scope", marker="commit")
        # when the transaction has not committed yet, nothing ran
        assert _seen(tenant, "commit") is None
    # then after commit the task ran in the tenant and its record is done
    assert _seen(tenant, "commit") == {"scope": tenant.pk, "members": 1}
    with tenant_context(tenant):
        record = PendingTask.objects.get(pk=pending.pk)
    assert record.done_at is not None and record.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_cause_leaves_no_work(tenant):
    # when the transaction that recorded work rolls back
    with tenant_context(tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            on_commit_task("tests.record_scope", marker="rollback")
            raise RuntimeError("the change failed")
        # then there is no record and nothing ran
        assert not PendingTask.objects.exists()
    assert _seen(tenant, "rollback") is None


def _reset_broker_pools():
    # Drop every cached pool so the next publish connects to the broker URL in force now.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """Point the Celery app at a port where no broker listens, as during a Redis outage."""
    # Celery reads the broker URL from the environment before its own settings.
    with mock.patch.dict(os.environ, {"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}):
        celery_app.conf.task_always_eager = False
        _reset_broker_pools()
        try:
            yield
        finally:
            celery_app.conf.task_always_eager = True
    _reset_broker_pools()


@pytest.mark.django_db(transaction=True)
def test_work_recorded_during_a_broker_outage_is_redelivered(tenant, settings):
    # given the broker is unreachable when the transaction commits
    with broker_down(), tenant_context(tenant), transaction.atomic():
        pending = on_commit_task("tests.record_scope", marker="outage")
    with tenant_context(tenant):
        assert PendingTask.objects.get(pk=pending.pk).last_sent_at is None
    assert _seen(tenant, "outage") is None
    # when the redelivery job runs after the grace period
    settings.OUTBOX_GRACE_SECONDS = 60
    with unscoped():
        PendingTask.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    sent = redeliver_pending()
    # then the work is done once, in its tenant, and a second sweep finds nothing to do
    assert sent == 1
    assert _seen(tenant, "outage") == {"scope": tenant.pk, "members": 0}
    assert redeliver_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_redelivery_leaves_fresh_and_done_work_alone(tenant):
    # given one record just created (its on-commit send may still be under way) and one already done
    with tenant_context(tenant):
        fresh = PendingTask.objects.create(task_name="tests.record_scope", kwargs={"marker": "fresh"})
        PendingTask.objects.create(task_name="tests.record_scope", kwargs={"marker": "done"}, done_at=timezone.now())
    # when the sweep runs
    # then it sends neither
    assert redeliver_pending() == 0
    assert fresh.last_sent_at is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_a_real_worker_runs_recorded_work_through_redis_in_its_tenant(tenant, other_tenant, agent):
    # given a real Celery worker consuming from the test Redis
    import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping, which start_worker expects

    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # when work is recorded for acme and, just after, for globex
            for current, marker in ((tenant, "worker-a"), (other_tenant, "worker-b")):
                with tenant_context(current), transaction.atomic():
                    on_commit_task("tests.record_scope", marker=marker)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and None in (
                _seen(tenant, "worker-a"),
                _seen(other_tenant, "worker-b"),
            ):
                time.sleep(0.1)
    finally:
        celery_app.conf.task_always_eager = True
    # then the worker ran each in its own tenant and marked both records done
    assert _seen(tenant, "worker-a") == {"scope": tenant.pk, "members": 1}
    assert _seen(other_tenant, "worker-b") == {"scope": other_tenant.pk, "members": 0}
    with unscoped():
        assert PendingTask.objects.filter(done_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_sending_on_commit_runs_no_statement_of_its_own(tenant, settings):
    # given a transaction that records two tasks, with the broker up but nobody consuming (not eager)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    celery_app.conf.task_always_eager = False
    try:
        with CaptureQueriesContext(connection) as captured, tenant_context(tenant), transaction.atomic():
            first = on_commit_task("tests.record_scope", marker="quiet-1")
            second = on_commit_task("tests.record_scope", marker="quiet-2")
    finally:
        celery_app.conf.task_always_eager = True
    # then the outbox wrote its two rows and nothing else (no UPDATE, no transaction per task after the commit)
    statements = [query["sql"] for query in captured.captured_queries]
    touching = [sql.split()[0] for sql in statements if "tenancy_pendingtask" in sql]
    assert touching == ["INSERT", "INSERT"] and statements.count("BEGIN") <= 1
    with tenant_context(tenant):
        rows = list(PendingTask.objects.filter(pk__in=[first.pk, second.pk]).values_list("attempts", "last_sent_at"))
    assert [attempts for attempts, _ in rows] == [1, 1] and all(sent is not None for _, sent in rows)


@pytest.mark.django_db(transaction=True)
def test_tasks_of_one_transaction_are_sent_in_order_in_one_round_trip(tenant):
    # given the broker up, nobody consuming (not eager), and the length of its default queue
    import base64
    import json

    from tenancy import publishing

    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write() as broker:
            redis = broker.default_channel.client
            queue = celery_app.conf.task_default_queue
            before = redis.llen(queue)
            # when one transaction records two tasks (its commit's round trips to the broker counted)
            client = publishing._client(celery_app)
            pipelines, plain_calls = [], []
            pipeline, lpush = client.pipeline, client.lpush
            client.pipeline = lambda *a, **k: pipelines.append(1) or pipeline(*a, **k)
            client.lpush = lambda *a, **k: plain_calls.append(1) or lpush(*a, **k)
            try:
                with tenant_context(tenant), transaction.atomic():
                    first = on_commit_task("tests.record_scope", marker="together-1")
                    second = on_commit_task("tests.record_scope", marker="together-2")
            finally:
                del client.pipeline, client.lpush
            # then both tasks' own messages were published (taken off again: no worker should run them later), in
            # one pipeline and no other call
            added = redis.llen(queue) - before
            newest_first = [json.loads(redis.lpop(queue)) for _ in range(added)]
            messages = newest_first[::-1]  # the order the worker pops them in
    finally:
        celery_app.conf.task_always_eager = True
    assert added == 2 and pipelines == [1] and plain_calls == []
    assert [message["headers"]["task"] for message in messages] == ["tests.record_scope"] * 2
    sent = [json.loads(base64.b64decode(message["body"]))[1] for message in messages]
    assert sent == [
        {"marker": "together-1", "tenant_id": tenant.pk, "outbox_id": first.pk},
        {"marker": "together-2", "tenant_id": tenant.pk, "outbox_id": second.pk},
    ]


@pytest.mark.django_db(transaction=True)
def test_tasks_sent_together_all_run_and_a_rolled_back_one_is_not_sent(tenant):
    # given a transaction that records two tasks, and a third in a savepoint that rolls back
    with tenant_context(tenant), transaction.atomic():
        first = on_commit_task("tests.record_scope", marker="batch-1")
        with contextlib.suppress(RuntimeError), transaction.atomic():
            on_commit_task("tests.record_scope", marker="batch-lost")
            raise RuntimeError("this part failed")
        second = on_commit_task("tests.record_scope", marker="batch-2")
    # then after commit (eager: the shared message's task sends each in turn) both ran in the tenant and are done
    assert _seen(tenant, "batch-1") == {"scope": tenant.pk, "members": 0}
    assert _seen(tenant, "batch-2") == {"scope": tenant.pk, "members": 0}
    assert _seen(tenant, "batch-lost") is None
    with tenant_context(tenant):
        done = dict(PendingTask.objects.values_list("pk", "done_at"))
    assert set(done) == {first.pk, second.pk} and all(done.values())


@pytest.mark.django_db(transaction=True)
def test_tasks_sent_together_during_a_broker_outage_are_redelivered(tenant, settings):
    # given the broker is unreachable when a transaction that recorded two tasks commits
    with broker_down(), tenant_context(tenant), transaction.atomic():
        on_commit_task("tests.record_scope", marker="outage-1")
        on_commit_task("tests.record_scope", marker="outage-2")
    with tenant_context(tenant):
        assert list(PendingTask.objects.values_list("attempts", "last_sent_at")) == [(0, None), (0, None)]
    # when the redelivery job runs after the grace period
    settings.OUTBOX_GRACE_SECONDS = 60
    with unscoped():
        PendingTask.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    # then both are sent and run
    assert redeliver_pending() == 2
    assert _seen(tenant, "outage-1") is not None and _seen(tenant, "outage-2") is not None
