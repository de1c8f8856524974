"""SLA leaves out a change whose events were all in a history it already replayed and committed (sla.replayed):
routing's change to a new ticket, made before SLA's turn in the same drain. Anything new (an event it did not
replay, another policy book, replayed history, a replay that rolled back) is recomputed."""

from __future__ import annotations

import pytest
from django.db import transaction

from sla import engine, replayed
from sla import services as sla_services
from sla.models import SlaTarget
from tenancy.context import tenant_context
from tests.sla.conftest import SETUP, berlin
from tests.sla.test_feed_batch import sla_statements, stored
from tickets import clock, services
from tickets.feed import recording
from tickets.models import FeedEntry, Priority


def history_reads(statements: list[str]) -> list[str]:
    """The statements that read a ticket's history: the sign of a recompute."""
    return [sql for sql in statements if sql.lstrip().startswith("SELECT") and '"tickets_ticketevent"' in sql]


@pytest.fixture
def held(monkeypatch):
    """Every entry waits for the test's own drains (no drain task is sent)."""
    monkeypatch.setattr(recording, "on_commit_task", lambda *args, **kwargs: None)
    monkeypatch.setattr(recording, "publish_recorded", lambda pending: pending)


@pytest.fixture
def created_then_routed(tenant, desk, office, agent, new_ticket, held):
    """A new ticket and a change made before SLA's first turn (as routing makes one): two entries waiting."""
    ticket = new_ticket(subject="Routed before SLA looked")
    with tenant_context(tenant):
        services.change_priority(ticket=ticket, priority=Priority.URGENT, actor=agent)
        assert FeedEntry.objects.filter(ticket=ticket, done_at__isnull=True).count() == 2
    return ticket


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_events_were_replayed_is_not_recomputed(tenant, created_then_routed, monkeypatch):
    ticket = created_then_routed
    with tenant_context(tenant):
        # when a drain takes the creation alone: its recompute replays the whole history, the later change included
        first = sla_statements_of_one_batch(monkeypatch)
        assert history_reads(first)
        after_first = stored([ticket.pk])
        # and the next drain hands over the later change
        second = sla_statements(monkeypatch)
        # then SLA read no history for it, and what it stored is what a recompute of the whole history gives
        assert second and not history_reads(second)
        assert stored([ticket.pk]) == after_first
        replayed.forget_all()
        engine.recompute_ticket(ticket_id=ticket.pk)
        assert stored([ticket.pk]) == after_first
        assert {target.state for target in SlaTarget.objects.filter(ticket=ticket)} == {"running"}


@pytest.mark.django_db(transaction=True)
def test_a_change_with_an_event_not_replayed_is_recomputed(tenant, created_then_routed, agent, monkeypatch):
    ticket = created_then_routed
    with tenant_context(tenant):
        sla_statements_of_one_batch(monkeypatch)
        # when the ticket changes again after SLA's first turn
        services.change_priority(ticket=ticket, priority=Priority.LOW, actor=agent)
        statements = sla_statements(monkeypatch)
    # then the batch holding the routed change and the new one recomputed it
    assert history_reads(statements)
    with tenant_context(tenant):
        low = SlaTarget.objects.get(ticket=ticket, kind="resolution")
        assert low.goal_seconds == 80 * 3600


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("created_then_routed")
def test_another_policy_book_is_recomputed(tenant, office, monkeypatch):
    with tenant_context(tenant):
        sla_statements_of_one_batch(monkeypatch)
        # when the policy changes before the routed change is handed over
        sla_services.update_policy(actor=SETUP, policy=office["policy"], warn_percent=50)
        statements = sla_statements(monkeypatch)
    # then the marker differs from the replay's, and the ticket is recomputed
    assert history_reads(statements)


@pytest.mark.django_db(transaction=True)
def test_replayed_history_is_always_recomputed(tenant, desk, office, agent, held, monkeypatch):
    contact = desk["contact"]
    with tenant_context(tenant), clock.replaying(berlin(2025, 1, 6, 9)):
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Imported", body="Old")
    with tenant_context(tenant), clock.replaying(berlin(2025, 1, 6, 10)):
        services.change_priority(ticket=ticket, priority=Priority.HIGH, actor=agent)
    with tenant_context(tenant):
        sla_statements_of_one_batch(monkeypatch)
        assert history_reads(sla_statements(monkeypatch))


@pytest.mark.django_db(transaction=True)
def test_a_replay_that_rolled_back_is_not_remembered(tenant, created_then_routed):
    ticket = created_then_routed
    with tenant_context(tenant):
        events = frozenset(ticket.events.values_list("pk", flat=True))
        with pytest.raises(RuntimeError), transaction.atomic():
            engine.recompute_locked(tickets={ticket.pk: None})
            raise RuntimeError("the batch failed")
        assert not replayed.covered(tenant_id=tenant.pk, ticket_id=ticket.pk, marker=marker(), event_ids=events)
        with transaction.atomic():
            engine.recompute_locked(tickets={ticket.pk: None})
        assert replayed.covered(tenant_id=tenant.pk, ticket_id=ticket.pk, marker=marker(), event_ids=events)


def marker() -> str:
    from django.db import connection

    from sla.policies import MARKER_SQL

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {MARKER_SQL}")
        return cursor.fetchone()[0]


def sla_statements_of_one_batch(monkeypatch) -> list[str]:
    """Drain the oldest entry alone: SLA's statements for it."""
    return sla_statements(monkeypatch, batch_size=1, max_batches=1)
