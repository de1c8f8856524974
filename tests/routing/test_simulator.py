"""The simulator on a known dataset: counts per queue, priority and category beside what happened."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from routing import services as routing_services
from routing.simulator import simulate
from tenancy.context import tenant_context
from tests.routing.conftest import SETUP, act, cond
from tickets import clock, services
from tickets.models import Priority


def test_simulator_counts_what_the_draft_would_decide(tenant, routing_desk, agent):
    # given six tickets in the last 30 days (three about invoices, one an agent filed in Senior) and one older
    now = timezone.now()
    contact = routing_desk["contact"]
    with tenant_context(tenant):
        for days, subject in [(1, "Invoice wrong"), (2, "invoice copy"), (3, "Second INVOICE"), (4, "Printer"),
                              (5, "Password"), (40, "Old invoice")]:  # fmt: skip
            with clock.replaying(now - timedelta(days=days)):
                services.create_ticket(actor=contact, contact=contact, subject=subject, body="Hello")
        with clock.replaying(now - timedelta(days=6)):
            services.create_ticket(actor=agent, contact=contact, subject="Invoice by phone", body="Hi",
                                   queue=routing_desk["senior"])  # fmt: skip
        # and a draft rule: invoices -> Finance, high priority, category Billing
        routing_services.create_rule(
            actor=SETUP, name="Billing", conditions=[cond("subject", "contains_any", "invoice")],
            actions=[act("set_queue", "Finance"), act("set_priority", "High"), act("set_category", "Billing")],
        )  # fmt: skip
        # when the draft is simulated over 30 days
        result = simulate(days=30, now=now)
    # then it counts six tickets; three move to Finance (the agent's choice is kept), four become high priority
    assert result.total == 6 and result.matched == 4
    queue = result.counts["queue"]
    assert queue["actual"] == {routing_desk["queue"].pk: 5, routing_desk["senior"].pk: 1}
    assert queue["simulated"] == {routing_desk["finance"].pk: 3, routing_desk["queue"].pk: 2,
                                  routing_desk["senior"].pk: 1}  # fmt: skip
    assert result.counts["priority"]["simulated"] == {Priority.HIGH: 4, Priority.NORMAL: 2}
    assert result.counts["category"]["simulated"] == {routing_desk["billing"].pk: 4, None: 2}
    assert dict(result.changed) == {"queue": 3, "priority": 4, "category": 4}
    assert [(row.label, row.actual, row.simulated) for row in result.rows["queue"]] == [
        ("General", 5, 2), ("Finance", 0, 3), ("Senior", 1, 1),
    ]  # fmt: skip
