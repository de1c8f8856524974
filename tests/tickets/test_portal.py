"""What a customer sees of their tickets: their own requests, the public conversation, never internal notes."""

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.lifecycle import Status


@pytest.fixture
def pat(tenant, desk):
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    return member


@pytest.mark.django_db
def test_customer_sees_their_requests_and_the_public_conversation_only(tenant, agent, desk, pat, new_ticket):
    # given Pat's ticket with a public reply and an internal note, and someone else's ticket
    ticket = new_ticket(subject="Pat printer jam")
    other = new_ticket(subject="Another person issue", contact=ContactFactory(tenant=tenant))
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="We are on it", status=Status.PENDING)
        services.add_note(ticket=ticket, actor=agent, body="Secret internal remark")
    client = host_client(tenant, pat)
    # when Pat opens the portal and the request
    home = client.get("/").text
    page = client.get(f"/requests/{ticket.number}/").text
    # then Pat sees the request, its status in plain words, the reply, and never the note
    assert "Pat printer jam" in home and "Another person" not in home
    assert "Waiting for you" in page and "We are on it" in page
    assert "Secret internal remark" not in page
    assert client.get(f"/requests/{other.number}/").status_code == 404


@pytest.mark.django_db
def test_customer_reply_reopens_the_request(tenant, agent, desk, pat, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    response = host_client(tenant, pat).post(f"/requests/{ticket.number}/", {"body": "Still broken"})
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_staff_and_strangers_do_not_get_a_customer_view(tenant, other_tenant, desk, pat, new_ticket):
    ticket = new_ticket()
    stranger = make_member(other_tenant, "customer", "someone@globex.example")
    assert host_client(tenant, stranger).get(f"/requests/{ticket.number}/").status_code == 404
    assert host_client(tenant).get(f"/requests/{ticket.number}/").status_code == 302
