"""tickets.services.assignment.assign, as people use it: refused for someone who cannot see the ticket, warned (not
refused) over capacity; the ticket page's Update form shows the warning."""

from __future__ import annotations

import pytest

from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tests.conftest import host_client
from tests.routing.test_assignment import agent_named, give_load
from tests.tickets.factories import TicketFactory
from tests.tickets.ticket_forms import update_form
from tickets.models import Queue, Team, Ticket
from tickets.services.assignment import assign, claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(tenant, supervisor):
    """Agents see only their teams' queues: Billing (Ana's team) and Support (Ben's team)."""
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
        billing, support = Team.objects.create(name="Billing"), Team.objects.create(name="Support")
        queue = Queue.objects.create(name="Billing queue", team=billing)
    ana = agent_named(tenant, "Ana", team=billing)
    ben = agent_named(tenant, "Ben", team=support)
    ticket = TicketFactory(tenant=tenant, queue=queue, team=billing)
    return {"ana": ana, "ben": ben, "ticket": ticket, "queue": queue}


def test_assign_refuses_someone_who_cannot_see_the_ticket(tenant, supervisor, limited):
    # given a Billing ticket, and Ben, an active agent of this tenant outside the Billing team
    ticket, ben = limited["ticket"], limited["ben"]
    # when a supervisor assigns it to Ben
    with tenant_context(tenant), pytest.raises(ServiceError) as refused:
        assign(ticket=ticket, assignee=ben, actor=supervisor)
    # then it is refused, naming him, and the ticket stays unassigned
    assert "Ben cannot see tickets in Billing queue" in str(refused.value)
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_assign_refuses_automations_too(tenant, limited):
    # given the same Billing ticket; when an automation assigns it to Ben, then it is refused as well
    with tenant_context(tenant), pytest.raises(ServiceError):
        assign(ticket=limited["ticket"], assignee=limited["ben"], actor=Automation("import"))


def test_assign_accepts_a_team_member(tenant, supervisor, limited):
    # given the Billing ticket; when assigned to Ana of the Billing team, then she owns it
    with tenant_context(tenant):
        assigned = assign(ticket=limited["ticket"], assignee=limited["ana"], actor=supervisor)
    assert assigned.assignee_id == limited["ana"].pk
    assert assigned.warnings == []


def test_claim_still_lets_the_claimant_take_the_ticket(tenant, limited):
    # given the Billing ticket; when Ana claims it, then it is hers (claim is unchanged)
    with tenant_context(tenant):
        claimed = claim(ticket=limited["ticket"], actor=limited["ana"])
    assert claimed.assignee_id == limited["ana"].pk


def test_assign_by_hand_over_capacity_warns_and_still_assigns(tenant, supervisor, desk):
    # given Ana at 10 of 10 open tickets
    ana = agent_named(tenant, "Ana", team=desk["team"], capacity=10)
    give_load(tenant, ana, 10, queue=desk["queue"])
    ticket = TicketFactory(tenant=tenant, queue=desk["queue"])
    # when a supervisor assigns her one more
    with tenant_context(tenant):
        assigned = assign(ticket=ticket, assignee=ana, actor=supervisor)
    # then she has it, and the supervisor is told she was full
    assert assigned.assignee_id == ana.pk
    assert assigned.warnings == ["Ana is at 10 of 10 open tickets."]


def test_assign_by_an_automation_over_capacity_has_no_warning(tenant, desk):
    # given Ana at capacity; when an automation assigns her one more, then no warning is raised for nobody to read
    ana = agent_named(tenant, "Ana", team=desk["team"], capacity=1)
    give_load(tenant, ana, 1, queue=desk["queue"])
    ticket = TicketFactory(tenant=tenant, queue=desk["queue"])
    with tenant_context(tenant):
        assert assign(ticket=ticket, assignee=ana, actor=Automation("import")).warnings == []


def test_update_form_shows_the_capacity_warning(tenant, agent, desk, new_ticket):
    # given Ana at 2 of 2 open tickets and a new ticket
    ana = agent_named(tenant, "Ana", team=desk["team"], capacity=2)
    give_load(tenant, ana, 2, queue=desk["queue"])
    ticket = new_ticket()
    # when an agent assigns it to her on the ticket page
    response = host_client(tenant, agent).post(
        f"/desk/tickets/{ticket.number}/update/", update_form(ticket, assignee=ana.pk), follow=True
    )
    # then it is assigned, and the page warns
    assert "Ana is at 2 of 2 open tickets." in response.text
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == ana.pk


def test_update_form_refuses_someone_who_cannot_see_the_ticket(tenant, supervisor, limited):
    # given the Billing ticket; when a supervisor assigns it to Ben on the ticket page
    ticket = limited["ticket"]
    response = host_client(tenant, supervisor).post(
        f"/desk/tickets/{ticket.number}/update/", update_form(ticket, assignee=limited["ben"].pk), follow=True
    )
    # then the page says why and nothing changed
    assert "Ben cannot see tickets in Billing queue" in response.text
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_capacity_counts_only_open_tickets(tenant, supervisor, desk):
    # given Ana with capacity 1 and one resolved ticket; when assigned a ticket, then no warning
    ana = agent_named(tenant, "Ana", team=desk["team"], capacity=1)
    TicketFactory(tenant=tenant, queue=desk["queue"], assignee=ana, status="resolved", is_open=False)
    ticket = TicketFactory(tenant=tenant, queue=desk["queue"])
    with tenant_context(tenant):
        assert assign(ticket=ticket, assignee=ana, actor=supervisor).warnings == []


def test_assignment_reasons_are_hidden_from_who_cannot_see_the_ticket(tenant, limited):
    # given the Billing ticket with a decision; when Ben (outside Billing) asks for its reasons, then it is a 404
    from routing.assignment.services import assign_by_strategy

    with tenant_context(tenant):
        assign_by_strategy(ticket=limited["ticket"])
    ticket = limited["ticket"]
    assert host_client(tenant, limited["ben"]).get(f"/desk/tickets/{ticket.number}/assignment/").status_code == 404
    assert host_client(tenant, limited["ana"]).get(f"/desk/tickets/{ticket.number}/assignment/").status_code == 200
