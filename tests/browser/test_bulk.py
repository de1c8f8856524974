"""Bulk actions in a real browser: select rows, the bar follows the selection, an htmx action re-renders the
list with the per-ticket summary; and a saved view appears in the views list."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tickets import services
from tickets.lifecycle import Status
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_resolves_selected_tickets_and_saves_a_view(page, live_server, tenant, agent, desk, new_ticket):
    # given two open tickets and a closed one
    first, second, closed = new_ticket(subject="First"), new_ticket(subject="Second"), new_ticket(subject="Third")
    with tenant_context(tenant):
        services.change_status(ticket=closed, status=Status.CLOSED, actor=agent)
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/views/all/"))
    count = page.locator("[data-bulk-count]")
    # when the agent selects every row on the page, then resolves them from the bar
    page.get_by_label("Select all on this page").check()
    assert count.inner_text() == "3 selected"
    page.locator("summary", has_text="Status").click()
    page.get_by_role("button", name="Resolved").click()
    summary = page.locator("[data-bulk-summary]")
    summary.wait_for()
    # then the list comes back with the summary: two resolved, the closed one refused with its reason
    assert "2 changed, 1 refused." in summary.inner_text()
    assert "ACME-3: Closed tickets are final" in summary.inner_text()
    assert page.locator("[data-bulk-row]:checked").count() == 0 and count.inner_text() == "Select tickets, then:"
    screenshot(page, "bulk-summary")
    with tenant_context(tenant):
        assert {Ticket.objects.get(pk=t.pk).status for t in (first, second)} == {Status.RESOLVED}

    # when the agent filters the list and saves it as a view
    page.goto(tenant_url(live_server, tenant, "/desk/views/all/?status=resolved"))
    page.locator("summary", has_text="Save view").click()
    page.get_by_label("Name this list and its filters").fill("Resolved today")
    page.locator(".saved-view-save__panel").get_by_role("button", name="Save view").click()
    # then it opens, current in the views list, with its count
    current = page.locator('.navlink--view[aria-current="page"]')
    current.wait_for()
    assert "Resolved today" in current.inner_text() and "2" in current.inner_text()
