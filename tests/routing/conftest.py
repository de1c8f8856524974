"""A help desk with routing targets: queues (Finance, Senior), categories, a VIP contact, and helpers to write,
publish and run rules the way the feed does."""

from __future__ import annotations

import pytest

from routing import services as routing_services
from routing.models import RoutingDecision
from routing.selectors import matched_rules
from tenancy.actors import Automation
from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory, OrganisationFactory
from tickets import services
from tickets.feed.dispatch import drain
from tickets.models import Category, EscalationTier, Queue, Team, TeamMembership

SETUP = Automation("test setup")


@pytest.fixture
def routing_desk(tenant, desk, agent):
    with tenant_context(tenant):
        finance_team = Team.objects.create(name="Finance team")
        TeamMembership.objects.create(team=finance_team, membership=agent)
        finance = Queue.objects.create(name="Finance", team=finance_team)
        senior = Queue.objects.create(name="Senior", team=desk["team"])
        billing = Category.objects.create(name="Billing")
        refunds = Category.objects.create(name="Refunds", parent=billing)
        hardware = Category.objects.create(name="Hardware")
        EscalationTier.objects.create(level=1, name="Second line")
        org = OrganisationFactory(tenant=tenant, name="Initech")
        vip = ContactFactory(tenant=tenant, email="boss@initech.example", name="Big Boss", tier="vip", organisation=org)
    return {
        **desk,
        "finance": finance,
        "senior": senior,
        "billing": billing,
        "refunds": refunds,
        "hardware": hardware,
        "org": org,
        "vip": vip,
        "finance_team": finance_team,
    }


def cond(field: str, op: str, text: str = "", negate: bool = False) -> dict:
    return {"field": field, "op": op, "text": text, "negate": negate}


def act(action: str, text: str = "") -> dict:
    return {"action": action, "text": text}


@pytest.fixture
def publish(tenant):
    """`publish([rule kwargs, ...])`: replace the draft with these rules and publish them."""

    def run(*rules: dict):
        with tenant_context(tenant):
            made = [routing_services.create_rule(actor=SETUP, **rule) for rule in rules]
            routing_services.publish_rules(actor=SETUP)
        return made

    return run


@pytest.fixture
def open_routed(tenant, desk):
    """`open_routed(subject=, body=, contact=, **extra)`: a customer opens a ticket; the feed is drained (as the
    worker would), so it is routed; returns the ticket re-read and its decision."""

    def run(subject="Hello", body="Hi there", contact=None, actor=None, **extra):
        with tenant_context(tenant):
            contact = contact or desk["contact"]
            ticket = services.create_ticket(
                actor=actor or contact, contact=contact, subject=subject, body=body, **extra
            )
            drain()
            ticket.refresh_from_db()
            decision = RoutingDecision.objects.filter(ticket=ticket).select_related("version").order_by("-id").first()
        return ticket, decision

    return run


def rule_names(decision) -> list[str]:
    """The names of the rules a routing decision matched, as the ticket page gives them."""
    return [match.name for match in matched_rules(decision)]
