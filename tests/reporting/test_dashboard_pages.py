"""The dashboard page, its panels and the reassign control: role gating, tenant scoping and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tests.sla.factories import SlaPolicyFactory, SlaTargetFactory
from tests.tenancy.factories import MembershipFactory
from tests.tickets.factories import QueueFactory, SatisfactionRatingFactory, TicketEventFactory, TicketFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

DASHBOARD = "/desk/dashboard/"


def _panel(name: str) -> str:
    return reverse("desk:dashboard_panel", args=[name])


def _breached(tenant, subject: str, **ticket_fields) -> Ticket:
    ticket = TicketFactory(tenant=tenant, subject=subject, status="open", **ticket_fields)
    now = timezone.now()
    SlaTargetFactory(
        tenant=tenant, ticket=ticket, policy=SlaPolicyFactory(tenant=tenant), due_at=now - timedelta(minutes=20),
        warn_at=now - timedelta(hours=1),
    )  # fmt: skip
    return ticket


def test_dashboard_shows_a_supervisor_the_desk_and_nothing_of_another_tenant(tenant, supervisor, other_tenant):
    # given a breached ticket here and one in another tenant
    _breached(tenant, "Printer on fire here")
    _breached(other_tenant, "Secret of globex")
    # when the supervisor opens the dashboard
    response = host_client(tenant, supervisor).get(DASHBOARD)
    # then the desk's panels show this tenant's ticket only
    html = response.content.decode()
    assert response.status_code == 200
    for title in ("At risk and breached", "Open backlog", "Agents online", "SLA today", "CSAT this week"):
        assert title in html
    assert "Printer on fire here" in html and "Secret of globex" not in html
    assert 'data-figure="breached">1 breached' in html


def test_dashboard_gives_an_agent_the_personal_version(tenant, desk, agent, new_ticket):
    # given a ticket assigned to the agent that is past due, and the supervisors' panels
    ticket = _breached(tenant, "Mine and late", assignee=agent, queue=desk["queue"])
    # when the agent opens the dashboard
    html = host_client(tenant, agent).get(DASHBOARD).content.decode()
    # then they see their own figures, not the desk's
    assert "My dashboard" in html and "My due tickets" in html and ticket.subject in html
    assert "Agents online" not in html and "At risk and breached" not in html


@pytest.mark.parametrize("panel", ["summary", "risk", "backlog", "agents"])
def test_dashboard_panel_refuses_an_agent_the_supervisors_panels(tenant, agent, panel):
    # when an agent asks for a panel of the supervisors' dashboard
    response = host_client(tenant, agent).get(_panel(panel))
    # then it is refused: agents see their own figures only
    assert response.status_code == 403


def test_dashboard_panel_unknown_name_is_a_404(tenant, supervisor):
    assert host_client(tenant, supervisor).get(_panel("nope")).status_code == 404


def test_dashboard_is_not_a_page_for_customers(tenant, customer):
    # when a customer of the tenant asks for the dashboard or a panel
    client = host_client(tenant, customer)
    # then the pages do not exist for them
    assert client.get(DASHBOARD).status_code == 404
    assert client.get(_panel("my_load")).status_code == 404


def _world(tenant, size: int) -> None:
    """`size` tickets in 2 queues with their targets, events and ratings, assigned to online agents."""
    queues = [QueueFactory(tenant=tenant) for _ in range(2)]
    agents = [MembershipFactory(tenant=tenant, role=Role.AGENT, availability="online") for _ in range(2)]
    policy = SlaPolicyFactory(tenant=tenant)
    now = timezone.now()
    for i in range(size):
        ticket = TicketFactory(tenant=tenant, queue=queues[i % 2], assignee=agents[i % 2], status="open")
        SlaTargetFactory(
            tenant=tenant, ticket=ticket, policy=policy, due_at=now + timedelta(minutes=i - size // 2),
            warn_at=now - timedelta(hours=1),
        )  # fmt: skip
        SatisfactionRatingFactory(tenant=tenant, ticket=ticket, score=1 + i % 5)
        TicketEventFactory(
            tenant=tenant, ticket=ticket, kind="status_changed", field="status", old_value="open", new_value="resolved"
        )


@pytest.mark.parametrize("panel", ["summary", "risk", "backlog", "agents"])
def test_dashboard_panel_runs_a_fixed_number_of_queries(tenant, supervisor, panel):
    # given a small desk, then one with many more tickets, targets, ratings and agents' load
    client = host_client(tenant, supervisor)
    _world(tenant, 2)
    small = count_queries(client, _panel(panel))
    _world(tenant, 30)
    # when the panel is asked for again
    large = count_queries(client, _panel(panel))
    # then it ran as many queries as before
    assert large == small


@pytest.mark.parametrize("panel", ["my_load", "my_due", "my_backlog"])
def test_personal_panel_runs_a_fixed_number_of_queries(tenant, desk, agent, panel):
    client = host_client(tenant, agent)
    _breached(tenant, "One", assignee=agent, queue=desk["queue"])
    small = count_queries(client, _panel(panel))
    for i in range(20):
        _breached(tenant, f"More {i}", assignee=agent, queue=desk["queue"])
    assert count_queries(client, _panel(panel)) == small


def test_dashboard_page_runs_a_fixed_number_of_queries(tenant, supervisor):
    client = host_client(tenant, supervisor)
    _world(tenant, 2)
    small = count_queries(client, DASHBOARD)
    _world(tenant, 25)
    assert count_queries(client, DASHBOARD) == small


# --- Reassigning from the at-risk list --------------------------------------------------------------------------


def _assign(client, ticket_number: int, assignee_pk: object):
    url = reverse("desk:dashboard_assign", args=[ticket_number])
    return client.post(url, {"assignee": assignee_pk}, HTTP_HX_REQUEST="true")


def test_dashboard_assign_reassigns_through_the_service_and_shows_the_list_again(tenant, supervisor, agent):
    # given a breached ticket with no owner
    ticket = _breached(tenant, "Who takes this?")
    # when the supervisor assigns it to the agent from the at-risk list
    response = _assign(host_client(tenant, supervisor), ticket.number, agent.pk)
    # then the ticket is the agent's, the audit trail says who did it, and the list comes back with the news
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk
        event = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    assert event.actor_membership_id == supervisor.pk
    html = response.content.decode()
    assert response.status_code == 200 and 'id="panel-risk"' in html and "is now with" in html


def test_dashboard_assign_shows_the_services_refusal(tenant, supervisor, customer):
    # given a breached ticket, and a customer of the tenant as the chosen "assignee"
    ticket = _breached(tenant, "Refused")
    # when the supervisor tries to assign it to the customer
    response = _assign(host_client(tenant, supervisor), ticket.number, customer.pk)
    # then the service's refusal is shown and nothing changed
    assert response.status_code == 200 and "is not an agent here" in response.content.decode()
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


@pytest.mark.parametrize("bad", ["", "abc", "99999999999999999999", "-1"])
def test_dashboard_assign_answers_bad_input_with_a_message(tenant, supervisor, bad):
    ticket = _breached(tenant, "Bad input")
    response = _assign(host_client(tenant, supervisor), ticket.number, bad)
    assert response.status_code == 200 and "Choose who should take" in response.content.decode()


def test_dashboard_assign_never_hands_a_ticket_to_another_tenants_agent(tenant, supervisor, other_agent):
    # given a breached ticket here, and an agent of another tenant (whose membership id exists)
    ticket = _breached(tenant, "Stay home")
    # when the supervisor posts that agent's id
    response = _assign(host_client(tenant, supervisor), ticket.number, other_agent.pk)
    # then no one of this tenant has that id: refused, unchanged
    assert "Choose who should take" in response.content.decode()
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_dashboard_assign_cannot_reach_another_tenants_ticket(tenant, supervisor, agent, other_tenant):
    # given a ticket that exists only in another tenant
    theirs = _breached(other_tenant, "Theirs", number=4242)
    # when this tenant's supervisor posts its number
    response = _assign(host_client(tenant, supervisor), theirs.number, agent.pk)
    # then there is no such ticket here
    assert response.status_code == 404


def test_dashboard_assign_is_for_supervisors(tenant, agent):
    ticket = _breached(tenant, "Agents cannot")
    assert (
        _assign(
            host_client(tenant, make_member(tenant, Role.AGENT, "a2@acme.example")), ticket.number, agent.pk
        ).status_code
        == 403
    )
