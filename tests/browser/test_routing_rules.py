"""An admin writes a routing rule in the browser, tests it against a ticket, publishes it, and a customer's portal
request is routed by it, with the reason on the ticket page."""

from __future__ import annotations

import shutil

import pytest

from routing.models import RoutingDecision
from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tickets import services
from tickets.feed.dispatch import drain
from tickets.models import Priority, Queue, Team, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def test_admin_writes_tests_and_publishes_a_rule_that_routes_a_portal_request(page, live_server, tenant, admin, desk):
    # given a help desk with a Finance queue and an earlier ticket about an invoice
    with tenant_context(tenant):
        finance = Queue.objects.create(name="Finance", team=Team.objects.create(name="Finance team"))
        contact = desk["contact"]
        earlier = services.create_ticket(actor=contact, contact=contact, subject="Invoice copy", body="Please.")

    # when the admin writes a rule in the editor
    sign_in(page, live_server, tenant, admin.user.email)
    page.goto(tenant_url(live_server, tenant, "/desk/settings/routing/"))
    page.get_by_label("Name").fill("Invoices to Finance")
    page.get_by_label("Condition 1 field").select_option(label="Subject or message")
    page.get_by_label("Condition 1 test").select_option(label="contains any of the words")
    page.get_by_label("Condition 1 value").fill("invoice, refund")
    page.get_by_label("Action 1", exact=True).select_option(label="Move to queue")
    page.get_by_label("Action 1 value").fill("Finance")
    page.get_by_label("Action 2", exact=True).select_option(label="Set priority")
    page.get_by_label("Action 2 value").fill("High")
    page.get_by_role("button", name="Add rule").click()
    page.wait_for_load_state()
    # then the list reads it in words, as an unpublished draft
    assert "subject or message contains “invoice” or “refund”" in page.content()
    assert page.get_by_text("Draft has unpublished changes").is_visible()
    _shot(page, "routing-rules-editor")

    # when they test it against the earlier ticket
    page.get_by_role("link", name="Test against a ticket").click()
    page.get_by_role("textbox", name="Ticket").fill(earlier.reference)
    page.get_by_role("button", name="Test").click()
    # then the page says what the rule would do, and the ticket did not move
    result = page.locator("#test-result")
    assert "Rule “Invoices to Finance” would match" in result.inner_text()
    assert "queue Finance, priority high" in result.inner_text()
    _shot(page, "routing-rules-test")
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=earlier.pk).queue_id == desk["queue"].pk

    # when they publish the draft
    page.goto(tenant_url(live_server, tenant, "/desk/settings/routing/"))
    page.get_by_role("button", name="Publish the draft").click()
    page.wait_for_load_state()
    assert page.get_by_text("Published version 1: new tickets are routed by it.").is_visible()

    # and a customer sends a request about a refund through the portal
    customer = page.context.browser.new_context().new_page()
    customer.goto(tenant_url(live_server, tenant, "/new/"))
    customer.get_by_label("Your name").fill("Robin Customer")
    customer.get_by_label("Your email").fill("robin@example.com")
    customer.get_by_label("Subject").fill("Refund for order 1042")
    customer.get_by_label("Description").fill("I returned the parcel last week.")
    customer.get_by_role("button", name="Send request").click()
    customer.wait_for_url("**/new/thanks/")
    with tenant_context(tenant):
        drain()  # the worker's drain (also sent on commit): routing runs here at the latest
        request = Ticket.objects.get(subject="Refund for order 1042")
        # then it was routed to Finance with high priority
        assert (request.queue_id, request.priority) == (finance.pk, Priority.HIGH)
        assert RoutingDecision.objects.filter(ticket=request).count() == 1

    # and the ticket page shows why
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{request.number}/"))
    panel = page.locator("#routing-panel")
    panel.get_by_text("Rule “Invoices to Finance” matched").wait_for()
    assert "contains “invoice” or “refund” → queue Finance, priority high" in panel.inner_text()
    _shot(page, "routing-ticket-panel")
