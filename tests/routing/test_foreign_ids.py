"""The routing tools never reach another tenant's rows through what an admin types: a ticket reference in the
re-run or test form, a queue or agent named in a rule. Globex's ticket, queue and agent exist, with names and a
number Acme does not have, so only the tenant scope of the lookup can refuse them; the same form with Acme's own
row is the control.

The rows are committed (transactional tests): the scope has two walls, the managers' filter and row-level security,
and a lookup that escapes both (an `unscoped()` around it) reads committed rows only. With the lookups of
routing/views/tools.py and routing/names.py put inside `unscoped()`, every test here fails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from routing.models import RoutingDecision, Rule
from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)  # committed rows: a lookup that escaped the scope would see them

FOREIGN_NUMBER = 4242


@pytest.fixture
def globex(other_tenant):
    """Another tenant's queue, agent and ticket (number 4242, which Acme has not reached)."""
    queue = QueueFactory(tenant=other_tenant, name="Globex vault", is_default=True)
    spy = make_member(other_tenant, Role.AGENT, "spy@globex.example")
    contact = ContactFactory(tenant=other_tenant, email="ceo@globex.example")
    ticket = TicketFactory(tenant=other_tenant, queue=queue, contact=contact, number=FOREIGN_NUMBER)
    return {"tenant": other_tenant, "queue": queue, "spy": spy, "ticket": ticket}


def _decisions(tenant, ticket) -> int:
    with tenant_context(tenant):
        return RoutingDecision.objects.filter(ticket_id=ticket.pk).count()


def test_rerun_refuses_a_reference_to_another_tenants_ticket(tenant, admin, routing_desk, new_ticket, globex):
    # given Globex's ticket 4242, and an Acme ticket
    ours = new_ticket(subject="Ours")
    routed = _decisions(tenant, ours)
    client = host_client(tenant, admin)
    # when Acme's admin re-runs routing on Globex's number
    response = client.post(reverse("desk:routing_rerun"), {"tickets": f"GLX-{FOREIGN_NUMBER}"})
    # then there is no such ticket here, and Globex's ticket was not routed
    assert response.status_code == 400 and f"No ticket ACME-{FOREIGN_NUMBER}" in response.content.decode()
    assert _decisions(globex["tenant"], globex["ticket"]) == 0
    # while Acme's own ticket is re-routed by the same form
    assert client.post(reverse("desk:routing_rerun"), {"tickets": f"ACME-{ours.number}"}).status_code == 302
    assert _decisions(tenant, ours) == routed + 1


def test_test_page_refuses_a_reference_to_another_tenants_ticket(tenant, admin, routing_desk, new_ticket, globex):
    # given Globex's ticket 4242 with a subject of its own, and an Acme ticket
    ours = new_ticket(subject="Ours")
    client = host_client(tenant, admin)
    # when Acme's admin tests the draft against Globex's number
    response = client.get(reverse("desk:routing_test"), {"ticket": str(FOREIGN_NUMBER)})
    # then it is a form error, and nothing of Globex's ticket is shown
    assert response.status_code == 400 and "There is no ticket" in response.content.decode()
    assert globex["ticket"].subject not in response.content.decode()
    # while Acme's own ticket is tested
    assert client.get(reverse("desk:routing_test"), {"ticket": str(ours.number)}).status_code == 200


@pytest.mark.parametrize(
    ("action", "foreign", "own", "message"),
    [
        ("set_queue", "Globex vault", "Finance", "There is no queue “Globex vault”"),
        ("assign_agent", "spy@globex.example", "agent@acme.example", "spy@globex.example"),
    ],
)
def test_rule_refuses_a_queue_or_agent_of_another_tenant(tenant, admin, routing_desk, globex, action, foreign, own,
                                                         message):  # fmt: skip
    # given Globex's queue and agent, which exist
    client = host_client(tenant, admin)
    form = {"name": "Steal", "match": "all", "is_active": "on", "act_0_action": action}
    # when Acme's admin names one of them in a rule's action
    response = client.post(reverse("desk:routing_rules"), {**form, "act_0_text": foreign})
    # then the rule is refused, naming what is not there, and none is stored
    assert response.status_code == 400 and message in response.content.decode()
    with tenant_context(tenant):
        assert not Rule.objects.exists()
    # while Acme's own queue or agent is accepted by the same form
    assert client.post(reverse("desk:routing_rules"), {**form, "act_0_text": own}).status_code == 302
    with tenant_context(tenant):
        assert Rule.objects.get().actions[0]["action"] == action
