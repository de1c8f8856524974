"""The change feed: one entry per transaction and ticket that recorded audit events, written in that transaction,
and handed to each subscriber once, in its own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tenancy.models import PendingTask
from tests.tickets.factories import ContactFactory
from tickets import clock, services
from tickets.event_kinds import UnknownEventKind
from tickets.feed import registry
from tickets.feed.dispatch import sweep
from tickets.feed.tasks import drain_feed_task
from tickets.lifecycle import Status
from tickets.models import FeedEntry, FeedReceipt, Priority, Queue, Tag, TicketEvent
from tickets.services.events import record_event
from tickets.timeline import describe


def entries(ticket) -> list[list[str]]:
    """The ticket's feed entries, oldest first, each as the kinds of its events in order."""
    rows = FeedEntry.objects.filter(ticket=ticket).order_by("id")
    kinds = dict(TicketEvent.objects.filter(ticket=ticket).values_list("id", "kind"))
    return [[kinds[event_id] for event_id in row.event_ids] for row in rows]


class Boom(Exception):
    pass


# --- Recording: one entry per transaction and ticket ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_each_transaction_leaves_one_entry_per_ticket_it_changed(tenant, agent, new_ticket):
    # given a new ticket and a second one
    ticket, other = new_ticket(), new_ticket(subject="Other")
    with tenant_context(tenant):
        # when an agent replies and resolves in one go, then merges the other ticket into it
        services.reply(ticket=ticket, actor=agent, body="Fixed.", status=Status.RESOLVED)
        services.change_status(ticket=ticket, status=Status.OPEN, actor=agent)
        services.merge(source=other, target=ticket, actor=agent)
        # then each service call left exactly one entry per ticket it touched, holding all its events in order
        assert entries(ticket) == [["created"], ["replied", "status_changed"], ["reopened"], ["merged"]]
        assert entries(other) == [["created"], ["merged_into", "status_changed"]]
        # and an entry's events are the ticket's events, none missing, none twice
        recorded = sorted(TicketEvent.objects.filter(ticket=ticket).values_list("id", flat=True))
        assert sorted(i for row in FeedEntry.objects.filter(ticket=ticket) for i in row.event_ids) == recorded


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_leaves_no_entry_and_no_event_id(tenant, agent, new_ticket):
    # given two tickets
    first, second = new_ticket(), new_ticket(subject="Second")
    with tenant_context(tenant):
        # when one transaction changes both, and a savepoint that changed them again is rolled back (a bulk
        # action whose ticket fails after its service recorded events)
        with transaction.atomic():
            services.change_priority(ticket=first, priority=Priority.HIGH, actor=agent)
            with pytest.raises(Boom), transaction.atomic():
                services.assign(ticket=first, assignee=agent, actor=agent)
                services.change_priority(ticket=second, priority=Priority.URGENT, actor=agent)
                raise Boom
        # then the first ticket's entry holds only the surviving change, and the second has no entry for it
        assert entries(first) == [["created"], ["priority_changed"]]
        assert entries(second) == [["created"]]
        # and the drain published for the transaction still ran (no task was lost or left undone)
        assert not PendingTask.objects.filter(done_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_reply_gains_one_statement_from_the_feed(tenant, agent, new_ticket):
    # given a ticket
    ticket = new_ticket()
    with tenant_context(tenant):
        # when an agent replies and resolves (two events), measured inside the request's transaction
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            services.reply(ticket=ticket, actor=agent, body="Done.", status=Status.RESOLVED)
        statements = [query["sql"] for query in captured]
        # then the feed adds one statement: the drain task's outbox row (the trigger writes the entry inside the
        # event INSERTs)
        assert [sql for sql in statements if "tickets_feed" in sql] == []
        outbox = [sql for sql in statements if "tenancy_pendingtask" in sql]
        assert len([sql for sql in outbox if "tickets.drain_feed" in sql]) == 1
        assert len(outbox) == 3  # the drain, the reply's mail and the resolved mail: nothing else
        # and the entry is there after commit
        assert entries(ticket)[-1] == ["replied", "status_changed"]


# --- Fan-out: each subscriber once, in its own transaction -----------------------------------------------------------


def drain_now(tenant) -> int:
    """What the worker does when the drain task (or the sweep's) arrives; tasks run eagerly in the tests."""
    return drain_feed_task.delay(tenant_id=tenant.pk).get()


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_neither_blocks_nor_reruns_another(tenant, agent, new_ticket, subscribe):
    # given two subscribers, one of which fails on its first try
    seen = {"steady": [], "flaky": []}
    broken = {"flaky": True}

    def steady(change):
        seen["steady"].append(change.kinds)
        Tag.objects.create(name=f"steady-{change.entry_id}")  # work in the subscriber's own transaction

    def flaky(change):
        Tag.objects.create(name=f"flaky-{change.entry_id}")
        if broken["flaky"]:
            raise RuntimeError("the subscriber's dependency is down")
        seen["flaky"].append(change.kinds)

    subscribe("test-flaky", flaky)  # registered first: handed each entry before the steady one
    subscribe("test-steady", steady)
    # when a ticket is created (the drain runs after commit) and the flaky subscriber fails
    ticket = new_ticket()
    with tenant_context(tenant):
        entry = FeedEntry.objects.get(ticket=ticket)
        # then the steady one did its work, the flaky one's work rolled back with its receipt, the entry is not done
        assert seen == {"steady": [("created",)], "flaky": []}
        assert list(Tag.objects.values_list("name", flat=True)) == [f"steady-{entry.pk}"]
        assert set(FeedReceipt.objects.filter(entry=entry).values_list("subscriber", flat=True)) >= {"test-steady"}
        assert not FeedReceipt.objects.filter(entry=entry, subscriber="test-flaky").exists()
        assert FeedEntry.objects.get(pk=entry.pk).done_at is None
    # when the flaky one recovers and the feed is drained again (the sweep's task)
    broken["flaky"] = False
    drain_now(tenant)
    with tenant_context(tenant):
        # then only the flaky one ran again, and the entry is done
        assert seen == {"steady": [("created",)], "flaky": [("created",)]}
        assert sorted(Tag.objects.values_list("name", flat=True)) == [f"flaky-{entry.pk}", f"steady-{entry.pk}"]
        assert FeedEntry.objects.get(pk=entry.pk).done_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_entry_that_fails_rolls_back_alone_in_its_batch(tenant, agent, new_ticket, subscribe):
    # given two tickets changed during an import (no drain published: both entries wait for one batch)
    first, second = new_ticket(subject="First"), new_ticket(subject="Second")
    with tenant_context(tenant), clock.replaying(clock.now() - timedelta(days=1)):
        services.change_priority(ticket=first, priority=Priority.LOW, actor=agent)
        services.change_priority(ticket=second, priority=Priority.LOW, actor=agent)
    handled = []

    def picky(change):
        Tag.objects.create(name=f"picky-{change.ticket_id}")
        if change.ticket_id == first.pk:
            raise Boom("the first ticket's change cannot be handled yet")
        handled.append(change.ticket_id)

    subscribe("test-picky", picky, replay=True)
    # when one drain hands both to the subscriber and it fails on the first
    drain_now(tenant)
    # then the second one's work and receipt are kept, the first one's rolled back and left for later
    with tenant_context(tenant):
        replayed = {entry.ticket_id: entry for entry in FeedEntry.objects.filter(replay=True)}
        assert handled == [second.pk]
        assert list(Tag.objects.filter(name__startswith="picky-").values_list("name", flat=True)) == [
            f"picky-{second.pk}"
        ]
        assert FeedReceipt.objects.filter(subscriber="test-picky", entry=replayed[second.pk]).exists()
        assert not FeedReceipt.objects.filter(subscriber="test-picky", entry=replayed[first.pk]).exists()
        assert FeedEntry.objects.get(pk=replayed[first.pk].pk).done_at is None


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_entry_changes_nothing(tenant, agent, new_ticket, subscribe):
    # given a subscriber that counts, and a ticket whose entry it has taken
    calls = []
    subscribe("test-counter", lambda change: calls.append(change.entry_id))
    ticket = new_ticket()
    with tenant_context(tenant):
        entry = FeedEntry.objects.get(ticket=ticket)
        assert calls == [entry.pk]
        # when the entry is handed out again (a crash before it was marked done; a second drain at the same time)
        FeedEntry.objects.filter(pk=entry.pk).update(done_at=None)
    drain_now(tenant)
    drain_now(tenant)
    with tenant_context(tenant):
        # then nobody acted twice: one receipt per subscriber, and the entry is done again
        assert calls == [entry.pk]
        assert FeedReceipt.objects.filter(entry=entry, subscriber="test-counter").count() == 1
        assert FeedEntry.objects.get(pk=entry.pk).done_at is not None


@pytest.mark.django_db(transaction=True)
def test_after_a_failure_a_subscriber_gets_that_tickets_later_entries_only_after_it(
    tenant, agent, new_ticket, subscribe
):
    # given a subscriber that fails for a while
    seen, broken = [], {"now": True}

    def picky(change):
        if broken["now"]:
            raise RuntimeError("down")
        seen.append(change.kinds)

    subscribe("test-picky", picky)
    # when a ticket is created and changed while it fails (each commit drains the feed)
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_priority(ticket=ticket, priority=Priority.HIGH, actor=agent)
        services.assign(ticket=ticket, assignee=agent, actor=agent)
    assert seen == []
    # and it recovers
    broken["now"] = False
    drain_now(tenant)
    # then it got the ticket's changes in the order they were made
    assert seen == [("created",), ("priority_changed",), ("assigned",)]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_drains_every_tenant_with_undone_entries(tenant, other_tenant, new_ticket, subscribe):
    # given entries of two tenants that no drain task took (a lost task: marked undone again)
    calls = []
    subscribe("test-sweep", lambda change: calls.append(change.tenant_id))
    new_ticket()
    with tenant_context(other_tenant):
        Queue.objects.create(name="Inbox", is_default=True)
        contact = ContactFactory(tenant=other_tenant)
        services.create_ticket(actor=contact, contact=contact, subject="Hi", body="Hello")
    assert sorted(calls) == sorted([tenant.pk, other_tenant.pk])
    calls.clear()
    for owner in (tenant, other_tenant):
        with tenant_context(owner):
            FeedEntry.objects.update(done_at=None)
            FeedReceipt.objects.filter(subscriber="test-sweep").delete()
    # when the periodic sweep runs
    assert sweep(grace_seconds=0) == 2
    # then each tenant's entry was handed out, in its own tenant, and nothing is left
    assert sorted(calls) == sorted([tenant.pk, other_tenant.pk])
    assert sweep(grace_seconds=0) == 0


# --- Kinds and replay -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_an_undeclared_kind_fails_and_writes_nothing(in_tenant, new_ticket, agent):
    # given a ticket
    ticket = new_ticket()
    before = TicketEvent.objects.count()
    # when a service records a kind nobody declared
    with pytest.raises(UnknownEventKind, match="made_up"):
        record_event(ticket, actor=agent, kind="made_up")
    # then nothing was written
    assert TicketEvent.objects.count() == before


@pytest.mark.django_db
def test_a_customer_reply_to_a_pending_ticket_is_its_own_kind_not_a_reopen(in_tenant, agent, desk, new_ticket):
    # given a ticket waiting for the customer
    ticket = new_ticket()
    services.change_status(ticket=ticket, status=Status.PENDING, actor=agent)
    # when the customer replies
    services.reply(ticket=ticket, actor=desk["contact"], body="Here is the log.")
    # then the status change is recorded as an answer, not a reopen, and reads so in the timeline
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.kind, event.old_value, event.new_value) == ("customer_replied_while_pending", "pending", "open")
    assert not TicketEvent.objects.filter(ticket=ticket, kind="reopened").exists()
    assert describe(event, {}) == "replied; back to open"


@pytest.mark.django_db(transaction=True)
def test_replayed_history_is_marked_and_reaches_only_subscribers_that_take_replay(tenant, agent, new_ticket, subscribe):
    # given a subscriber that takes replayed history and one that does not
    live, replayed = [], []
    subscribe("test-live", lambda change: live.append(change.kinds))
    subscribe("test-replay", lambda change: replayed.append((change.kinds, change.replay)), replay=True)
    ticket = new_ticket()
    live.clear()
    replayed.clear()
    # when an import replays a change from last week (no drain is published for it)
    with tenant_context(tenant), clock.replaying(clock.now() - timedelta(days=7)):
        services.change_priority(ticket=ticket, priority=Priority.LOW, actor=agent)
    with tenant_context(tenant):
        entry = FeedEntry.objects.filter(ticket=ticket).latest("id")
        assert entry.replay and entry.done_at is None
    # and the sweep hands it out
    sweep(grace_seconds=0)
    # then the replay subscriber got it, flagged, and the live one (like webhooks) did not
    assert replayed == [(("priority_changed",), True)]
    assert live == []
    with tenant_context(tenant):
        assert FeedEntry.objects.get(pk=entry.pk).done_at is not None


# --- Delivery in batches ---------------------------------------------------------------------------------------------


def _replayed_changes(tenant, agent, tickets) -> None:
    """One replayed change per ticket: their entries wait, undelivered, for one drain to take them together."""
    with tenant_context(tenant), clock.replaying(clock.now() - timedelta(days=1)):
        for ticket in tickets:
            services.change_priority(ticket=ticket, priority=Priority.LOW, actor=agent)


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_succeeds_costs_one_receipt_statement_and_no_savepoint_per_entry(
    tenant, agent, new_ticket, subscribe, monkeypatch
):
    # given five entries waiting for a subscriber that reads them together (the only one: the statements are its)
    tickets = [new_ticket(subject=f"Batch {n}") for n in range(5)]
    _replayed_changes(tenant, agent, tickets)
    monkeypatch.setattr(registry, "SUBSCRIBERS", {})
    batches, handled = [], []

    class Together:
        def __init__(self, changes):
            batches.append(sorted(change.ticket_id for change in changes))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    subscribe("test-batch", lambda change: handled.append(change.ticket_id), replay=True, batch=Together)
    # when one drain hands them over
    with CaptureQueriesContext(connection) as queries:
        drain_now(tenant)
    statements = [query["sql"] for query in queries.captured_queries]
    # then the subscriber saw them as one batch, each handled once, with one receipt statement for all of them
    assert batches == [sorted(ticket.pk for ticket in tickets)]
    assert sorted(handled) == sorted(ticket.pk for ticket in tickets)
    assert not [sql for sql in statements if sql.startswith("SAVEPOINT")]
    assert len([sql for sql in statements if 'INSERT INTO "tickets_feedreceipt"' in sql]) == 1
    with tenant_context(tenant):
        assert FeedReceipt.objects.filter(subscriber="test-batch").count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_is_redone_one_entry_at_a_time_without_its_batch_reads(tenant, agent, new_ticket, subscribe):
    # given three entries waiting, and a subscriber that fails on the middle one
    tickets = [new_ticket(subject=f"Batch {n}") for n in range(3)]
    _replayed_changes(tenant, agent, tickets)
    prepared, handled = [], []

    class Together:
        def __init__(self, changes):
            prepared.append(len(changes))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def picky(change):
        Tag.objects.create(name=f"picky-{change.ticket_id}")
        if change.ticket_id == tickets[1].pk:
            raise Boom("not this one yet")
        handled.append(change.ticket_id)

    subscribe("test-picky", picky, replay=True, batch=Together)
    # when the drain hands them over
    drain_now(tenant)
    # then the batch was tried once, rolled back, and redone entry by entry: the two others are handled and kept
    # (the first one twice in Python, once in the database), the middle one is left with no receipt for later
    assert prepared == [3]
    assert handled == [tickets[0].pk, tickets[0].pk, tickets[2].pk]
    with tenant_context(tenant):
        names = sorted(Tag.objects.filter(name__startswith="picky-").values_list("name", flat=True))
        assert names == sorted([f"picky-{tickets[0].pk}", f"picky-{tickets[2].pk}"])
        receipts = set(FeedReceipt.objects.filter(subscriber="test-picky").values_list("entry__ticket_id", flat=True))
        assert receipts == {tickets[0].pk, tickets[2].pk}


@pytest.mark.django_db(transaction=True)
def test_taking_a_batch_skips_entries_another_run_has_taken_since(tenant, agent, new_ticket):
    from tickets.feed.dispatch import _take_all, changes_of

    # given two undone entries, one of which another drain took after this one read the receipts
    tickets = [new_ticket(subject="First"), new_ticket(subject="Second")]
    _replayed_changes(tenant, agent, tickets)
    with tenant_context(tenant):
        changes = changes_of(list(FeedEntry.objects.filter(replay=True).order_by("pk")))
        FeedReceipt.objects.create(subscriber="test-race", entry_id=changes[0].entry_id)
        # when this run takes the batch
        with transaction.atomic():
            took = _take_all("test-race", changes)
        # then it owns only the other one, and each entry has one receipt
        assert took == {changes[1].entry_id}
        assert FeedReceipt.objects.filter(subscriber="test-race").count() == 2
