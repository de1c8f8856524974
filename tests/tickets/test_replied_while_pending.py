"""A customer's reply to a pending ticket reads "replied; back to open" in the desk's timeline and in the portal,
never "reopened" (a reopen is from resolved, and reports count those)."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client, make_member
from tickets import services
from tickets.lifecycle import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(tenant, agent, desk, new_ticket):
    """Pat's ticket, set pending by the agent, then answered by Pat (who has a portal account)."""
    pat = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = pat
        desk["contact"].save(update_fields=["membership"])
        ticket = new_ticket(subject="Printer on fire")
        services.change_status(ticket=ticket, status=Status.PENDING, actor=agent)
        services.reply(ticket=ticket, actor=desk["contact"], body="Here is the log you asked for.")
    return {"ticket": ticket, "pat": pat}


def test_desk_timeline_says_replied_back_to_open(tenant, agent, answered):
    page = host_client(tenant, agent).get(f"/desk/tickets/{answered['ticket'].number}/").text
    assert "Pat Requester</strong>\n          replied; back to open" in page
    assert "reopened" not in page


def test_portal_shows_replied_back_to_open_between_the_messages(tenant, answered):
    # when Pat reads the request in the portal
    page = host_client(tenant, answered["pat"]).get(f"/requests/{answered['ticket'].number}/").text
    # then the reply is followed by what it did, in Pat's words, after the reply itself
    assert "<strong>You</strong> replied; back to open" in page
    assert page.index("Here is the log you asked for.") < page.index("replied; back to open")
    assert "reopened" not in page


def test_portal_shows_a_reopen_from_resolved_as_a_reopen(tenant, agent, answered):
    ticket = answered["ticket"]
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        services.reply(ticket=ticket, actor=ticket.contact, body="It broke again.")
    page = host_client(tenant, answered["pat"]).get(f"/requests/{ticket.number}/").text
    assert "<strong>You</strong> reopened the request" in page


def test_portal_request_page_queries_do_not_grow_with_events(tenant, agent, answered):
    client = host_client(tenant, answered["pat"])
    ticket = answered["ticket"]
    url = f"/requests/{ticket.number}/"
    few = count_queries(client, url)
    with tenant_context(tenant):
        for _ in range(3):
            services.change_status(ticket=ticket, status=Status.PENDING, actor=agent)
            services.reply(ticket=ticket, actor=ticket.contact, body="More detail.")
    assert count_queries(client, url) == few
