"""SLA's subscriber takes a drain batch together: a bounded number of statements whatever the batch's size, the same
targets, due columns and clock log as one change at a time, and the tickets locked before their history is read."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from sla import engine
from sla.feed import FEED_SUBSCRIBER, accepts_change, handle_change
from sla.models import ClockEvent, SlaTarget
from tenancy.context import tenant_context
from tests.sla.conftest import berlin
from tests.tickets.factories import ContactFactory
from tickets import clock, services
from tickets.feed import dispatch, recording
from tickets.feed.dispatch import changes_of, drain
from tickets.feed.registry import SUBSCRIBERS
from tickets.lifecycle import Status
from tickets.models import FeedEntry, FeedReceipt, Priority, Queue, Team, Ticket

TARGET_COLUMNS = (
    "ticket_id", "kind", "policy_id", "policy_version", "state", "started_at", "used_seconds", "remaining_seconds",
    "due_at", "warn_at", "met_at", "seconds_to_met", "next_check_at", "warned_at", "breached_at", "history_until",
)  # fmt: skip
LOG_COLUMNS = ("ticket_id", "position", "target_kind", "action", "at", "due_at", "reason", "source_event_id")
DUE_COLUMNS = ("pk", "first_response_due_at", "next_update_due_at", "resolution_due_at", "next_due_at")


def sla_statements(monkeypatch, **drain_arguments) -> list[str]:
    """Drain the feed; the statements of SLA's batch deliveries (its receipts, reads and writes)."""
    captured: list[str] = []
    deliver = dispatch._deliver_batch

    def counted(subscriber, changes):
        if subscriber.name != FEED_SUBSCRIBER:
            return deliver(subscriber, changes)
        with CaptureQueriesContext(connection) as queries:
            delivered = deliver(subscriber, changes)
        assert delivered, "the batch failed and was redone one change at a time"
        captured.extend(query["sql"] for query in queries.captured_queries)
        return delivered

    monkeypatch.setattr(dispatch, "_deliver_batch", counted)
    drain(**drain_arguments)
    monkeypatch.setattr(dispatch, "_deliver_batch", deliver)
    return captured


def stored(ticket_ids) -> tuple[list, list, list]:
    """What SLA stored for these tickets: targets, clock log and due columns."""
    targets = SlaTarget.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "kind")
    log = ClockEvent.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "position")
    tickets = Ticket.objects.filter(pk__in=ticket_ids).order_by("pk")
    return (
        list(targets.values_list(*TARGET_COLUMNS)),
        list(log.values_list(*LOG_COLUMNS)),
        list(tickets.values_list(*DUE_COLUMNS)),
    )


@pytest.mark.django_db
def test_feed_batch_statements_do_not_grow_with_the_number_of_new_tickets(
    tenant, other_tenant, desk, office, new_ticket, monkeypatch
):
    # given another tenant's new ticket, waiting in its own feed
    with tenant_context(other_tenant):
        Queue.objects.create(name="Theirs", team=Team.objects.create(name="Theirs"), is_default=True)
        stranger = ContactFactory(tenant=other_tenant)
        theirs = services.create_ticket(actor=stranger, contact=stranger, subject="Theirs", body="Not yours")
    # and the policy book in the process cache (a first drain reads it)
    new_ticket(subject="First")
    with tenant_context(tenant):
        sla_statements(monkeypatch)
    # when one drain batch hands SLA 3 new tickets, and another 9
    three = [new_ticket(subject=f"Three {n}") for n in range(3)]
    with tenant_context(tenant):
        for_three = sla_statements(monkeypatch)
    nine = [new_ticket(subject=f"Nine {n}") for n in range(9)]
    with tenant_context(tenant):
        for_nine = sla_statements(monkeypatch)
        # then each got its two targets and its due columns
        for ticket in three + nine:
            assert set(SlaTarget.objects.filter(ticket=ticket).values_list("kind", flat=True)) == {
                "first_response",
                "resolution",
            }
            assert Ticket.objects.get(pk=ticket.pk).next_due_at is not None
    # and the nine cost SLA what the three did: the batch's savepoint and its release, the receipts, the locking read
    # (with the policy book's marker), events, targets, clock log, one insert of targets, one update of due columns
    # and one insert of log lines
    assert len(for_nine) == len(for_three) <= 10, for_nine
    # and the other tenant's ticket was neither read nor given targets, its entry still waiting
    with tenant_context(other_tenant):
        assert not SlaTarget.objects.filter(ticket_id=theirs.pk).exists()
        assert FeedEntry.objects.filter(ticket_id=theirs.pk, done_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_feed_batch_stores_what_one_change_at_a_time_stores(tenant, opened, at, agent, desk, new_ticket, monkeypatch):
    # (each change commits on its own, so each is an entry of its own; the live ones' drain task is held back so
    # that every entry waits for the one drain below)
    monkeypatch.setattr(recording, "on_commit_task", lambda *args, **kwargs: None)
    monkeypatch.setattr(recording, "publish_recorded", lambda pending: pending)  # a new ticket's, in its statement
    # given tickets with replayed histories (answered, paused and resumed, re-prioritised, resolved and reopened,
    # spam), one replayed then changed live, and live ones, all their entries waiting in the feed
    contact = desk["contact"]
    answered = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.reply, ticket=answered, actor=agent, body="Answer")
    at(berlin(2025, 1, 6, 11), services.reply, ticket=answered, actor=contact, body="Thanks, but")
    paused = opened(berlin(2025, 1, 10, 16))
    at(berlin(2025, 1, 10, 17), services.reply, ticket=paused, actor=agent, body="Which model?", status="pending")
    at(berlin(2025, 1, 13, 10), services.reply, ticket=paused, actor=contact, body="The X200.")
    urgent = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 11), services.change_priority, ticket=urgent, priority=Priority.URGENT, actor=agent)
    reopened = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 11), services.reply, ticket=reopened, actor=agent, body="Done.", status="resolved")
    at(berlin(2025, 1, 8, 8), services.reply, ticket=reopened, actor=contact, body="It is back.")
    spam = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 9, 5), services.change_status, ticket=spam, status=Status.SPAM, actor=agent)
    mixed = opened(berlin(2025, 1, 7, 9))
    live = new_ticket(subject="Live")
    with tenant_context(tenant):
        services.change_priority(ticket=mixed, priority=Priority.HIGH, actor=agent)
        services.change_priority(ticket=live, priority=Priority.LOW, actor=agent)
        services.reply(ticket=live, actor=agent, body="On it", status=Status.ON_HOLD)
    tickets = [answered.pk, paused.pk, urgent.pk, reopened.pk, spam.pk, mixed.pk, live.pk]
    with tenant_context(tenant):
        entries = list(FeedEntry.objects.filter(done_at__isnull=True).order_by("pk"))
        assert len(entries) >= 15
        # when one drain hands them all to SLA in one batch (the policy book read too: a fresh tenant's)
        assert len(sla_statements(monkeypatch)) <= 13
        batched = stored(tickets)
        # and, from nothing stored, the same entries are handed over one change at a time, in the feed's order
        SlaTarget.objects.all().delete()
        ClockEvent.objects.all().delete()
        Ticket.objects.update(first_response_due_at=None, next_update_due_at=None, resolution_due_at=None,
                              next_due_at=None)  # fmt: skip
        assert stored(tickets)[0] == []
        for change in changes_of(entries):
            if accepts_change(change):
                handle_change(change)
        one_by_one = stored(tickets)
    # then both stored the same targets (sweep marks and replayed history's reach included), log and due columns
    assert batched == one_by_one
    states = {(row[0], row[1]): row[4] for row in batched[0]}
    assert states[(answered.pk, "first_response")] == "met"
    assert states[(paused.pk, "resolution")] == "running"
    assert {states[(spam.pk, kind)] for kind in ("first_response", "resolution")} == {"cancelled"}
    assert states[(live.pk, "resolution")] == "running"
    assert {row[15] for row in batched[0] if row[0] == mixed.pk} == {berlin(2025, 1, 7, 9)}


@pytest.mark.django_db(transaction=True)
def test_feed_batch_reads_a_ticket_history_only_once_it_holds_the_ticket(tenant, desk, office, agent, monkeypatch):
    # given two new tickets whose entries wait in the feed (replayed history publishes no drain)
    contact = desk["contact"]
    with tenant_context(tenant), clock.replaying(berlin(2025, 1, 6, 9)):
        first = services.create_ticket(actor=contact, contact=contact, subject="One", body="One")
        second = services.create_ticket(actor=contact, contact=contact, subject="Two", body="Two")
    replied, failure = threading.Event(), []

    def agent_replies() -> None:
        # The agent's reply to the second, on its own connection: it holds the ticket's row lock until it commits.
        try:
            with tenant_context(tenant), clock.replaying(berlin(2025, 1, 6, 10)), transaction.atomic():
                services.reply(ticket=Ticket.objects.get(pk=second.pk), actor=agent, body="Answer")
                replied.set()
                time.sleep(1.5)
        except Exception as error:  # surfaced below: a failed thread must fail the test
            failure.append(error)
            replied.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=agent_replies)
    thread.start()
    assert replied.wait(timeout=30)
    # when a drain hands both creations to SLA (alone: no other subscriber waits for the ticket first) while the
    # reply is uncommitted
    monkeypatch.setattr(dispatch, "subscribers", lambda: [SUBSCRIBERS[FEED_SUBSCRIBER]])
    with tenant_context(tenant):
        drain()
    thread.join()
    assert not failure, failure
    # then the batch waited for the ticket and computed from its history with the reply: first response met
    with tenant_context(tenant):
        states = dict(SlaTarget.objects.filter(ticket=second).values_list("kind", "state"))
        assert states == {"first_response": "met", "resolution": "running"}
        assert SlaTarget.objects.get(ticket=first, kind="first_response").state == "running"


@pytest.mark.django_db
def test_feed_batch_with_a_failing_ticket_is_redone_one_change_at_a_time(tenant, desk, office, new_ticket, monkeypatch):
    # given three new tickets, the rules failing on the second
    good, bad, other = (new_ticket(subject=s) for s in ("Good", "Bad", "Other"))
    compute = engine.compute

    def failing(ticket, *args, **kwargs):
        if ticket.pk == bad.pk:
            raise RuntimeError("the rules failed")
        return compute(ticket, *args, **kwargs)

    monkeypatch.setattr(engine, "compute", failing)
    with tenant_context(tenant):
        # when the feed is drained
        drain()
        # then the batch was rolled back and redone change by change: the others have their targets, the failing
        # ticket none, and its entry waits with no SLA receipt
        assert set(SlaTarget.objects.values_list("ticket_id", flat=True)) == {good.pk, other.pk}
        entry = FeedEntry.objects.get(ticket=bad)
        assert entry.done_at is None
        assert not FeedReceipt.objects.filter(entry_id=entry.pk, subscriber=FEED_SUBSCRIBER).exists()
        # and once the rules work again, the next drain gives it its targets
        monkeypatch.setattr(engine, "compute", compute)
        drain()
        assert SlaTarget.objects.filter(ticket=bad).count() == 2
        assert FeedEntry.objects.get(ticket=bad).done_at is not None
