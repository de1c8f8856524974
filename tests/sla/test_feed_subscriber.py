"""SLA on the change feed: live changes and replayed history both end in deadlines, whatever the delivery order."""

from __future__ import annotations

import pytest

from sla.feed import FEED_SUBSCRIBER, handle_change
from sla.models import ClockEvent, SlaTarget
from tenancy.context import tenant_context
from tests.sla.conftest import berlin
from tickets import services
from tickets.feed.dispatch import changes_of, drain
from tickets.models import FeedEntry, FeedReceipt, Ticket


@pytest.mark.django_db(transaction=True)
def test_live_changes_reach_the_sla_subscriber(tenant, desk, office, agent):
    # given a ticket opened and answered live (the drain task runs on commit)
    with tenant_context(tenant):
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Hi", body="Hi")
        services.reply(ticket=ticket, actor=agent, body="Hello")
        # then SLA took both entries and the first response is met, resolution running
        assert FeedReceipt.objects.filter(subscriber=FEED_SUBSCRIBER).count() == 2
        states = dict(SlaTarget.objects.filter(ticket=ticket).values_list("kind", "state"))
        assert states == {"first_response": "met", "resolution": "running"}
        row = Ticket.objects.get(pk=ticket.pk)
        assert row.next_due_at == row.resolution_due_at is not None


@pytest.mark.django_db
def test_replayed_history_is_computed_by_the_subscriber_with_its_own_times(tenant, opened, at, agent):
    # given a ticket whose history was replayed (an import): no drain was published for it
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.reply, ticket=ticket, actor=agent, body="Answer")
    with tenant_context(tenant):
        replayed = FeedEntry.objects.filter(ticket=ticket, replay=True).count()
        assert replayed >= 1
        # when the feed is drained (the sweep would send the drain)
        drain()
        # then SLA computed the targets from the events' times, and took the replayed entries
        target = SlaTarget.objects.get(ticket=ticket, kind="first_response")
        assert (target.state, target.met_at, target.seconds_to_met) == ("met", berlin(2025, 1, 6, 10), 3600)
        assert FeedReceipt.objects.filter(subscriber=FEED_SUBSCRIBER).count() == replayed


@pytest.mark.django_db(transaction=True)
def test_entries_handled_out_of_order_give_the_same_clocks(tenant, opened, at, agent, desk):
    # given a ticket with three changes
    ticket = opened(berlin(2025, 1, 6, 9))
    at(berlin(2025, 1, 6, 10), services.reply, ticket=ticket, actor=agent, body="Answer")
    at(berlin(2025, 1, 6, 11), services.reply, ticket=ticket, actor=desk["contact"], body="Thanks, but")
    with tenant_context(tenant):
        changes = changes_of(list(FeedEntry.objects.filter(ticket=ticket).order_by("id")))
        assert len(changes) == 3
        # when the subscriber gets them newest first, then the oldest again
        for change in [*reversed(changes), changes[0]]:
            handle_change(change)
        late_order = sorted(SlaTarget.objects.filter(ticket=ticket).values_list("kind", "state", "due_at"))
        late_log = list(ClockEvent.objects.filter(ticket=ticket).values_list("target_kind", "action", "at"))
        # then the result equals handling them in order
        SlaTarget.objects.filter(ticket=ticket).delete()
        ClockEvent.objects.filter(ticket=ticket).delete()
        for change in changes:
            handle_change(change)
        assert sorted(SlaTarget.objects.filter(ticket=ticket).values_list("kind", "state", "due_at")) == late_order
        assert list(ClockEvent.objects.filter(ticket=ticket).values_list("target_kind", "action", "at")) == late_log
