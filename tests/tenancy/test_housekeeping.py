"""Housekeeping: a periodic job never overlaps itself (job leases), done outbox rows are pruned, and the scheduler
has its own health check while /healthz stays about the web."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from tenancy.context import no_tenant, tenant_context, unscoped
from tenancy.leases import claim_lease, job_lease, leased, release_lease
from tenancy.models import JobLease, PendingTask
from tenancy.tasks import HEARTBEAT_KEY, heartbeat_task, prune_outbox_task

# --- Leases -----------------------------------------------------------------------------------------------------


def _in_own_connection(target):
    """Run `target` in a thread, which gets its own database connection (closed when it ends)."""

    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_a_leased_job_run_once():
    # given a leased job whose first run is still going (in its own thread and connection)
    runs, first_started, let_first_finish = [], threading.Event(), threading.Event()

    @leased("tests.slow_job", ttl_seconds=60)
    def slow_job(label):
        runs.append(label)
        first_started.set()
        assert let_first_finish.wait(10)
        return label

    results = {}
    first = _in_own_connection(lambda: results.setdefault("first", slow_job("first")))
    assert first_started.wait(10)
    # when a second run starts meanwhile, in another thread and connection
    second = _in_own_connection(lambda: results.setdefault("second", slow_job("second")))
    second.join(10)
    let_first_finish.set()
    first.join(10)
    # then only the first ran; the second skipped without running the body
    assert runs == ["first"]
    assert results == {"first": "first", "second": None}
    # and the lease was released at the end: the next run runs
    assert slow_job("third") == "third"
    assert JobLease.objects.get(name="tests.slow_job").expires_at is None


@pytest.mark.django_db(transaction=True)
def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_release_the_new_one():
    # given a run that claimed the lease and died without releasing it
    dead = claim_lease(name="tests.job", ttl_seconds=60)
    assert dead is not None
    assert claim_lease(name="tests.job", ttl_seconds=60) is None
    # when its ttl has passed
    JobLease.objects.filter(name="tests.job").update(expires_at=timezone.now() - timedelta(seconds=1))
    # then another run takes it over (from its own connection)
    taken = {}
    _in_own_connection(lambda: taken.setdefault("holder", claim_lease(name="tests.job", ttl_seconds=60))).join(10)
    assert taken["holder"] not in (None, dead)
    # and the late release of the dead run leaves the new holder's lease in place
    assert release_lease(name="tests.job", holder=dead) is False
    assert JobLease.objects.get(name="tests.job").holder == taken["holder"]
    assert claim_lease(name="tests.job", ttl_seconds=60) is None


@pytest.mark.django_db(transaction=True)
def test_every_periodic_job_but_the_heartbeat_skips_while_its_lease_is_held(caplog):
    # given every job of the beat schedule, each lease held by another run
    jobs = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - {"tenancy.heartbeat"}
    assert {"tenancy.redeliver_pending_tasks", "tickets.poll_imap_mailboxes", "tickets.resend_stalled_webhooks",
            "tickets.sweep_feed", "tenancy.prune_outbox", "tickets.prune_feed"} <= jobs  # fmt: skip
    for name in jobs:
        assert claim_lease(name=name, ttl_seconds=60)
    # when beat starts each of them
    caplog.set_level("INFO", logger="tenancy.leases")
    results = {name: current_app.tasks[name]() for name in jobs}
    # then none ran (a run returns a count), and each skip is logged
    assert results == dict.fromkeys(jobs)
    assert all(f"Skipping {name}" in caplog.text for name in jobs)


@pytest.mark.django_db(transaction=True)
def test_a_lease_needs_a_positive_ttl():
    with pytest.raises(ValueError, match="positive ttl"), job_lease("tests.job", ttl_seconds=0):
        pass


# --- Pruning the outbox -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_pruning_deletes_only_old_done_outbox_rows_of_every_tenant(tenant, other_tenant):
    # given, in two tenants, a row done long ago, one done recently, and one never done (however old)
    now = timezone.now()
    kept = []
    for owner in (tenant, other_tenant):
        with tenant_context(owner):
            PendingTask.objects.create(task_name="t.old_done", created_at=now - timedelta(days=30),
                                       done_at=now - timedelta(days=settings.OUTBOX_RETENTION_DAYS + 1))  # fmt: skip
            kept.append(PendingTask.objects.create(task_name="t.recent_done", done_at=now - timedelta(days=1)).pk)
            kept.append(PendingTask.objects.create(task_name="t.undone", created_at=now - timedelta(days=30)).pk)
    # when the periodic prune runs
    deleted = prune_outbox_task()
    # then it deleted the two old done rows, across both tenants, and nothing else
    assert deleted == 2
    with unscoped():
        assert sorted(PendingTask.objects.values_list("pk", flat=True)) == sorted(kept)


# --- Scheduler health -------------------------------------------------------------------------------------------


def _beat(seconds_ago: float) -> None:
    heartbeat_task()
    with no_tenant():
        cache.set(HEARTBEAT_KEY, time.time() - seconds_ago, timeout=None)


@pytest.mark.django_db(transaction=True)
def test_a_stopped_scheduler_makes_the_scheduler_check_fail_but_not_healthz(client):
    # given a last heartbeat older than three beat intervals (30 s each)
    _beat(seconds_ago=3 * 30 + 5)
    # when both health endpoints are asked
    scheduler = client.get("/healthz/scheduler")
    web = client.get("/healthz")
    # then the scheduler check fails and says why, and the web's liveness check stays healthy
    assert scheduler.status_code == 503
    body = scheduler.json()
    assert body["status"] == "unhealthy"
    assert any("more than 3 beats" in problem for problem in body["problems"])
    assert body["last_beat_seconds_ago"] > 90
    assert web.status_code == 200
    assert web.json()["scheduler_last_beat_seconds_ago"] > 90
    assert web.json()["scheduler_last_beat_at"]


@pytest.mark.django_db(transaction=True)
def test_a_recent_heartbeat_keeps_the_scheduler_check_healthy(client):
    # given a heartbeat two intervals ago (one missed beat is no alarm)
    _beat(seconds_ago=2 * 30)
    # when the scheduler check is asked
    response = client.get("/healthz/scheduler")
    # then it is healthy
    assert response.status_code == 200, response.json()
    assert response.json()["problems"] == []


@pytest.mark.django_db(transaction=True)
def test_no_heartbeat_at_all_fails_the_scheduler_check(client):
    response = client.get("/healthz/scheduler")
    assert response.status_code == 503
    assert "no heartbeat recorded" in response.json()["problems"][0]
