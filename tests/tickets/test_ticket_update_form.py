"""The ticket page's one properties form: several fields, custom fields included, applied together by one
"Update" through one services.update_ticket call; only what the person changed is sent; setting what is already
set says so."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.ticket_forms import update_form
from tickets import services
from tickets.models import FeedEntry, Queue, Ticket, TicketEvent
from tickets.services import custom_fields as field_services

pytestmark = pytest.mark.django_db


def _load(tenant, ticket) -> Ticket:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk)


def test_update_applies_several_fields_together(tenant, agent, desk, new_ticket):
    # given a new ticket and a colleague to assign it to
    ticket = new_ticket()
    colleague = make_member(tenant, "agent", "sam@acme.example")
    client = host_client(tenant, agent)
    # when the agent changes status, priority and assignee and chooses Update once
    data = update_form(ticket, status="pending", priority="4", assignee=colleague.pk)
    response = client.post(f"/desk/tickets/{ticket.number}/update/", data, follow=True)
    # then all three changed, each with its event, and the page says what was updated
    after = _load(tenant, ticket)
    assert (after.status, after.priority, after.assignee_id) == ("pending", 4, colleague.pk)
    with tenant_context(tenant):
        kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"status_changed", "priority_changed", "assigned"} <= kinds
    assert "Updated status, priority and assignee." in response.text


@pytest.fixture
def product(tenant, admin):
    with tenant_context(tenant):
        return field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice",
            choices=[("cloud", "Tessera Cloud"), ("mobile", "Mobile app")],
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_update_applies_status_a_custom_field_and_priority_in_one_transaction(tenant, agent, desk, new_ticket, product):
    # given a new ticket without a product
    ticket = new_ticket()
    client = host_client(tenant, agent)
    # when the agent changes status, the product and priority and chooses Update once
    data = update_form(ticket, status="open", priority="3", custom={"product": "cloud"})
    response = client.post(f"/desk/tickets/{ticket.number}/update/", data, follow=True)
    # then all three changed, and their events are one transaction's (one change-feed entry)
    after = _load(tenant, ticket)
    assert (after.status, after.priority, after.custom_fields) == ("open", 3, {"product": "cloud"})
    with tenant_context(tenant):
        events = dict(TicketEvent.objects.filter(ticket=ticket).exclude(kind="created").values_list("kind", "id"))
        entries = [entry.event_ids for entry in FeedEntry.objects.filter(ticket=ticket).order_by("id")]
    assert set(events) == {"status_changed", "priority_changed", "custom_field_changed"}
    assert sorted(entries[-1]) == sorted(events.values())
    assert "Updated status, priority and Product." in response.text


def test_update_refused_in_part_changes_nothing(tenant, admin, agent, desk, new_ticket, product):
    # given a field required at resolution, left empty
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin, key="contract", label="Contract tier", type="text", required_at_resolution=True
        )
    ticket = new_ticket()
    # when the agent fills in the product, raises the priority and resolves, in one Update
    data = update_form(ticket, status="resolved", priority="4", custom={"product": "mobile"})
    response = host_client(tenant, agent).post(f"/desk/tickets/{ticket.number}/update/", data, follow=True)
    # then the resolution is refused with the reason, and neither the product nor the priority was written
    assert "Fill in “Contract tier” before resolving" in response.text
    after = _load(tenant, ticket)
    assert (after.status, after.priority, after.custom_fields) == ("new", 2, {})
    with tenant_context(tenant):
        assert not TicketEvent.objects.filter(ticket=ticket).exclude(kind="created").exists()


def test_update_keeps_a_colleagues_custom_field_change_left_alone(tenant, agent, supervisor, desk, new_ticket, product):
    # given the agent's page showing the product "Tessera Cloud", after which a supervisor changed it
    ticket = new_ticket()
    with tenant_context(tenant):
        ticket = services.update_ticket(ticket=ticket, changes={"custom_fields": {"product": "cloud"}}, actor=agent)
    shown = update_form(ticket, priority="3")
    with tenant_context(tenant):
        services.update_ticket(ticket=ticket, changes={"custom_fields": {"product": "mobile"}}, actor=supervisor)
    # when the agent, who changed only the priority, chooses Update
    host_client(tenant, agent).post(f"/desk/tickets/{ticket.number}/update/", shown)
    # then the priority changed and the supervisor's product stayed
    after = _load(tenant, ticket)
    assert (after.priority, after.custom_fields) == (3, {"product": "mobile"})


def test_update_without_a_change_says_so(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    # when the agent chooses Update without changing anything
    url = f"/desk/tickets/{ticket.number}/update/"
    response = host_client(tenant, agent).post(url, update_form(ticket), follow=True)
    # then nothing is recorded and the page says what to do
    assert "Nothing to update: change a field first" in response.text
    with tenant_context(tenant):
        assert not TicketEvent.objects.filter(ticket=ticket).exclude(kind="created").exists()


def test_update_keeps_a_colleagues_change_to_a_field_left_alone(tenant, agent, supervisor, desk, new_ticket):
    # given the agent's page showing Normal priority, after which a supervisor raised it to Urgent
    ticket = new_ticket()
    shown = update_form(ticket, status="open")
    with tenant_context(tenant):
        services.change_priority(ticket=ticket, priority=4, actor=supervisor)
    # when the agent, who changed only the status, chooses Update
    host_client(tenant, agent).post(f"/desk/tickets/{ticket.number}/update/", shown)
    # then the status changed and the supervisor's priority stayed
    after = _load(tenant, ticket)
    assert (after.status, after.priority) == ("open", 4)


def test_update_to_a_value_a_colleague_already_set_says_it_is_so(tenant, agent, supervisor, desk, new_ticket):
    ticket = new_ticket()
    shown = update_form(ticket, priority="3")
    with tenant_context(tenant):
        services.change_priority(ticket=ticket, priority=3, actor=supervisor)
    response = host_client(tenant, agent).post(f"/desk/tickets/{ticket.number}/update/", shown, follow=True)
    assert "The ticket is already High priority." in response.text


def test_update_refuses_another_tenants_queue(tenant, other_tenant, agent, desk, new_ticket):
    # given a queue of another tenant
    ticket = new_ticket()
    with tenant_context(other_tenant):
        foreign = Queue.objects.create(name="Globex queue")
    # when the agent posts its id as the ticket's queue
    response = host_client(tenant, agent).post(
        f"/desk/tickets/{ticket.number}/update/", update_form(ticket, queue=foreign.pk, priority="3"), follow=True
    )
    # then nothing changed (not even the priority sent with it) and the page says why
    after = _load(tenant, ticket)
    assert (after.queue_id, after.priority) == (desk["queue"].pk, 2)
    assert "Select a valid choice" in response.text
