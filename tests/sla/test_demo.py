"""The demo: acme's deadlines are the engine's, computed from each ticket's replayed history."""

from __future__ import annotations

import pytest

from sla import demo as sla_demo
from sla.engine import EVENT_FIELDS, compute, deadlines_of, event_of
from sla.models import Calendar, SlaPolicy, SlaTarget
from sla.policies import PolicyBook
from tenancy.context import tenant_context
from tenancy.demo import seed_tenants
from tickets import demo as tickets_demo
from tickets.models import Ticket, TicketEvent


@pytest.mark.django_db
def test_demo_deadlines_equal_the_engines():
    # given the acme demo seeded: tickets with 90 days of history, then SLA's demo
    acme = next(d for d in seed_tenants() if d.tenant.slug == "acme")
    with tenant_context(acme.tenant):
        tickets_demo.seed(acme)
        sla_demo.seed(acme)
        sla_demo.seed(acme)  # twice: nothing changes
        # then acme works EMEA business hours with a Standard and a VIP policy
        calendar = Calendar.objects.get(name=sla_demo.EMEA)
        assert (calendar.time_zone, calendar.holiday_country, calendar.holidays.count()) == ("Europe/Berlin", "DE", 3)
        assert set(SlaPolicy.objects.values_list("name", flat=True)) == {"Standard", "VIP"}
        # and every open ticket whose clock runs has a deadline (the demo's policies pause on pending and on hold)
        open_tickets = (
            Ticket.objects.filter(is_open=True).exclude(status__in=["pending", "on_hold"]).select_related("contact")
        )
        assert open_tickets.exists()
        missing = list(open_tickets.filter(next_due_at=None).values_list("status", flat=True))
        assert not missing, missing
        # and each ticket's due columns equal what the engine computes from its history now
        book = PolicyBook.load()
        for ticket in Ticket.objects.select_related("contact"):
            rows = TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id").values(*EVENT_FIELDS)
            outcome = compute(
                ticket, [event_of(row) for row in rows], list(SlaTarget.objects.filter(ticket=ticket)), book
            )
            expected = deadlines_of(outcome.clocks.values())
            assert (ticket.first_response_due_at, ticket.next_update_due_at, ticket.resolution_due_at) == (
                expected.first_response,
                expected.next_update,
                expected.resolution,
            ), ticket.reference
            assert ticket.next_due_at == expected.next_due
        # and VIP contacts' tickets run on the VIP policy
        vip = SlaTarget.objects.filter(ticket__contact__tier="vip").values_list("policy__name", flat=True)
        assert vip and set(vip) == {"VIP"}
