"""An agent works a ticket end to end in a real browser; the customer then sees the reply and not the note."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.conftest import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_claims_replies_notes_and_resolves(browser, live_server, tenant, agent, desk, new_ticket):
    # given a customer with a portal account and two tickets in the queue
    pat = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = pat
        desk["contact"].save(update_fields=["membership"])
    new_ticket(subject="Keyboard missing keys")
    ticket = new_ticket(subject="VPN drops every hour", body="Since Monday the VPN disconnects.")
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)

    # when the agent signs in, filters the queue and opens the ticket
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/queues/{desk['queue'].pk}/"))
    page.get_by_placeholder("Filter this list: words, ACME-1042, requester, file name").fill("VPN")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=VPN**")
    assert page.get_by_role("link", name="Keyboard missing keys").count() == 0
    page.get_by_role("link", name="VPN drops every hour").click()
    page.wait_for_url(f"**/desk/tickets/{ticket.number}/")

    # and claims it, replies, adds an internal note and resolves it (htmx swaps the page body each time)
    page.get_by_role("button", name="Claim").click()
    page.get_by_text("is yours").wait_for()
    composer = page.locator("form.composer")
    composer.get_by_label("Message").fill("Please update the VPN client to 4.2, that fixes the drops.")
    composer.get_by_role("button", name="Send").click()
    page.get_by_text("Reply sent.").wait_for()
    composer = page.locator("form.composer")
    composer.get_by_text("Internal note", exact=True).click()
    composer.get_by_label("Message").fill("Known bug in client 4.1, see engineering ticket ENG-77.")
    composer.get_by_role("button", name="Send").click()
    page.get_by_text("Internal note added.").wait_for()
    page.get_by_label("Status", exact=True).select_option("resolved")
    page.get_by_role("button", name="Update").click()
    page.get_by_text("Updated status.").wait_for()
    screenshot(page, "ticket-worked-by-agent")

    # then the ticket is the agent's, resolved, with the reply and the note in the trail
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert (ticket.assignee_id, ticket.status) == (agent.pk, "resolved")
        assert list(ticket.messages.order_by("id").values_list("kind", flat=True)) == ["reply", "reply", "note"]

    # and the customer sees the reply and the resolution, never the internal note
    customer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    customer.set_default_timeout(15_000)
    sign_in(customer, live_server, tenant, "pat@customer.example")
    customer.get_by_role("link", name="VPN drops every hour").click()
    customer.get_by_text("update the VPN client to 4.2").wait_for()
    content = customer.content()
    assert "Resolved" in content
    assert "ENG-77" not in content and "Known bug" not in content
    screenshot(customer, "portal-request-customer")
