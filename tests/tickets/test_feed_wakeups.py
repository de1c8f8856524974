"""One drain message waits per tenant (tenancy.outbox.one_waiting), on the real Redis and PostgreSQL: a commit sends
one only when none waits, the run takes its flag down before it reads, so a commit after the run's last read sends
a new one and is routed by it; nothing is lost, and tenants do not share a flag."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from django.db import connection

import tickets.feed.dispatch as dispatch
from config.celery import app as celery_app
from routing.models import RoutingDecision
from tenancy import publishing
from tenancy.context import tenant_context
from tenancy.models import PendingTask
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.feed.recording import DRAIN_TASK
from tickets.feed.tasks import drain_feed_task
from tickets.models import FeedEntry, Queue, Team


@pytest.fixture
def broker():
    """Tasks not eager: the outbox's messages go to this worker's Redis database, read back here (no worker)."""
    celery_app.conf.task_always_eager = False
    client = publishing._client(celery_app)
    queue = celery_app.conf.task_default_queue

    def clear():
        client.delete(queue, *client.keys("outbox:waiting:*"))

    clear()
    try:
        yield client
    finally:
        celery_app.conf.task_always_eager = True
        clear()


def queued(client) -> list[tuple[str, dict]]:
    """The queue's messages in the order the worker takes them (it pops from the right): (task, kwargs)."""
    messages = [json.loads(raw) for raw in reversed(client.lrange(celery_app.conf.task_default_queue, 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[1]) for m in messages]


def drains(client) -> list[int]:
    return [kwargs["tenant_id"] for task, kwargs in queued(client) if task == DRAIN_TASK]


def run_drain(client, tenant) -> None:
    """What the worker does with the tenant's drain message: take it off the queue and run it."""
    queue = celery_app.conf.task_default_queue
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        kwargs = json.loads(base64.b64decode(message["body"]))[1]
        if message["headers"]["task"] == DRAIN_TASK and kwargs["tenant_id"] == tenant.pk:
            client.lrem(queue, 1, raw)
            drain_feed_task(**kwargs)
            return
    raise AssertionError("no drain message waits for the tenant")


def routed(tenant, *tickets) -> list[bool]:
    with tenant_context(tenant):
        return [RoutingDecision.objects.filter(ticket_id=ticket.pk).exists() for ticket in tickets]


@pytest.mark.django_db(transaction=True)
def test_a_commit_after_the_drains_last_read_sends_a_drain_that_routes_it(tenant, other_tenant, new_ticket, broker):
    # given a message queued before (any other task), then two tickets opened in acme while no worker runs, and one
    # in globex
    publishing.send("tests.elsewhere", {"tenant_id": tenant.pk})
    first, second = new_ticket(subject="First"), new_ticket(subject="Second")
    with tenant_context(other_tenant):
        team = Team.objects.create(name="Globex desk")
        Queue.objects.create(name="General", team=team, is_default=True)
    globex_contact = ContactFactory(tenant=other_tenant, email="g@globex.example")
    with tenant_context(other_tenant):
        services.create_ticket(actor=globex_contact, contact=globex_contact, subject="Globex", body="x")
    # then one drain waits for each tenant (the second acme commit sent none, globex's flag is its own), in the
    # order sent, both ahead of the message queued before them
    assert [(task, kwargs["tenant_id"]) for task, kwargs in queued(broker)] == [
        (DRAIN_TASK, tenant.pk), (DRAIN_TASK, other_tenant.pk), ("tests.elsewhere", tenant.pk)
    ]  # fmt: skip
    with tenant_context(tenant):
        assert PendingTask.objects.filter(task_name=DRAIN_TASK, done_at__isnull=True).count() == 2

    # when acme's drain runs and a third ticket commits (another connection) just after the drain's only read
    made = []
    read = dispatch.changes_of

    def read_then_commit(entries):
        changes = read(entries)
        if not made:
            thread = threading.Thread(target=lambda: (made.append(new_ticket(subject="Third")), connection.close()))
            thread.start()
            thread.join()
        return changes

    dispatch.changes_of = read_then_commit
    try:
        run_drain(broker, tenant)
    finally:
        dispatch.changes_of = read
    [third] = made
    # then the drain routed the first two, not the third (committed after its read), and the third's commit sent
    # a new drain, behind globex's (which waited first) and ahead of the rest
    assert routed(tenant, first, second, third) == [True, True, False]
    assert drains(broker) == [other_tenant.pk, tenant.pk]
    assert [task for task, _ in queued(broker)][:2] == [DRAIN_TASK, DRAIN_TASK]

    # when that drain runs
    run_drain(broker, tenant)
    # then the third is routed, every acme entry is done and no acme drain row is left undone
    assert routed(tenant, first, second, third) == [True, True, True]
    with tenant_context(tenant):
        assert not FeedEntry.objects.filter(done_at__isnull=True).exists()
        assert not PendingTask.objects.filter(task_name=DRAIN_TASK, done_at__isnull=True).exists()
    # and globex's entry still waits for its own drain, which nothing of acme's took
    assert drains(broker) == [other_tenant.pk]
    with tenant_context(other_tenant):
        assert FeedEntry.objects.filter(done_at__isnull=True).count() == 1
    run_drain(broker, other_tenant)
    with tenant_context(other_tenant):
        assert not FeedEntry.objects.filter(done_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_drain_sent_by_the_sweep_takes_the_flag_down_too(tenant, new_ticket, broker):
    # given a ticket whose drain message was lost, the queue left empty (the flag stays up: later commits send
    # nothing)
    first = new_ticket(subject="First")
    broker.delete(celery_app.conf.task_default_queue)
    second = new_ticket(subject="Second")
    assert drains(broker) == []
    # when a drain runs without a message of the outbox (the sweep's)
    drain_feed_task(tenant_id=tenant.pk)
    # then both are routed and the next commit sends a drain again (into the empty queue, though the message it
    # would have gone behind is gone)
    assert routed(tenant, first, second) == [True, True]
    new_ticket(subject="Third")
    assert drains(broker) == [tenant.pk]


def test_send_once_without_the_lean_path_always_sends(monkeypatch):
    # given eager tasks (the tests' and the demo's setting): no Redis client of the publisher's own
    sent = []
    monkeypatch.setattr(publishing, "send", lambda task, kwargs: sent.append(task))
    # when a task is sent once twice
    for _ in range(2):
        assert publishing.send_once(DRAIN_TASK, {"tenant_id": 1}, flag="outbox:waiting:x:1", ttl_seconds=60)
    # then both went (every commit's run takes what it committed) and there is no flag to take down
    assert sent == [DRAIN_TASK, DRAIN_TASK]
    assert publishing.take_flag("outbox:waiting:x:1") is False
