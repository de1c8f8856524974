"""acme's demo: rules published, demo tickets routed by the real engine with their reasons."""

from __future__ import annotations

from types import SimpleNamespace

from routing import demo as routing_demo
from routing.models import RoutingDecision, RuleSetVersion
from tenancy.context import tenant_context
from tests.tenancy.factories import MembershipFactory
from tickets.demo import generator
from tickets.models import EscalationTier, Queue, TicketEvent


def test_demo_publishes_rules_and_routes_the_demo_tickets(tenant):
    # given acme's demo people and tickets (a small history)
    people = {
        login: MembershipFactory(tenant=tenant, role=role, user__email=f"{login}@acme.example",
                                 user__full_name=login.title())
        for login, role in [("admin", "admin"), ("supervisor", "supervisor"), ("agent", "agent"),
                            ("agent2", "agent"), ("agent3", "agent"), ("customer", "customer"),
                            ("customer2", "customer")]
    }  # fmt: skip
    demo = SimpleNamespace(tenant=tenant, people=people)
    with tenant_context(tenant):
        for level, name in enumerate(("Tier 1 support", "Tier 2 support"), start=1):
            EscalationTier.objects.create(level=level, name=name)
        generator.seed(demo, count=60)
        # when routing's demo runs
        routing_demo.seed(demo)
        # then the rules are published and every demo ticket got a decision at its creation
        assert RuleSetVersion.objects.get().note == "Demo rules"
        decisions = RoutingDecision.objects.filter(trigger="created")
        assert decisions.count() >= 60
        assert decisions.filter(replay=True).count() == decisions.count()
        finance = Queue.objects.get(name="Finance")
        assert decisions.exclude(matched=[]).exists()
        moved = TicketEvent.objects.filter(kind="queue_changed", actor_automation="routing", new_value=str(finance.pk))
        assert moved.exists()
        # and running it again changes nothing
        before = RoutingDecision.objects.count()
        routing_demo.seed(demo)
        assert RoutingDecision.objects.count() == before
