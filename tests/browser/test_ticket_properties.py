"""The ticket page at 1366x800: one "Update" applies several property changes and the timeline shows each; the
requester, related tickets and service level are on screen without scrolling."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.conftest import make_member
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fully_on_screen(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_one_update_applies_three_changes(browser, live_server, tenant, agent, desk, new_ticket):
    # given a ticket with a related one, and a colleague
    sam = make_member(tenant, "agent", "sam@acme.example")
    other = new_ticket(subject="Printer jams on tray 2")
    ticket = new_ticket(subject="Printer shows error E-17", body="Since this morning the printer shows E-17.")
    with tenant_context(tenant):
        services.link(ticket=ticket, other=other, actor=agent)
    page = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))

    # then the requester, related tickets and service level are visible without scrolling
    panel = page.get_by_role("complementary", name="Ticket details")
    for name in ("Requester", "Related", "Service level"):
        assert _fully_on_screen(page, panel.get_by_role("region", name=name, exact=True)), name
    assert panel.get_by_role("region", name="Related").get_by_role("link", name="ACME-1").is_visible()
    screenshot(page, "ticket-page-1366")

    # when the agent changes status, priority and assignee and chooses Update once
    page.get_by_label("Status", exact=True).select_option("pending")
    page.get_by_label("Priority", exact=True).select_option("4")
    page.get_by_label("Assignee", exact=True).select_option(str(sam.pk))
    assert page.get_by_role("button", name="Update").count() == 1
    assert page.get_by_role("button", name="Set").count() == 0
    page.get_by_role("button", name="Update").click()
    page.get_by_text("Updated status, priority and assignee.").wait_for()

    # then the ticket has all three, and the timeline shows each change
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee_id) == ("pending", 4, sam.pk)
    timeline = page.locator(".timeline")
    for text in ("Pending", "Urgent", sam.display_name):
        assert timeline.locator(".timeline__event", has_text=text).count() >= 1, text
    screenshot(page, "ticket-page-updated")

    # and on a phone the page still reads, the form under the conversation
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, live_server, tenant, "agent@acme.example")
    phone.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    phone.get_by_role("button", name="Update").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "ticket-page-phone")


def test_one_update_fills_custom_fields_with_the_other_properties(
    browser, live_server, tenant, admin, agent, new_ticket
):
    from tickets.services import custom_fields as field_services

    # given two custom fields, one needed before resolving, and a ticket without them
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin, key="product", label="Product", type="choice", required_at_resolution=True,
            choices=[("cloud", "Tessera Cloud"), ("onprem", "Tessera On-Prem")], help_text="Which product is it?",
        )  # fmt: skip
        field_services.create_custom_field(actor=admin, key="order", label="Order number", type="text")
    ticket = new_ticket(subject="Printer shows error E-17", body="Since this morning the printer shows E-17.")
    page = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))

    # then the fields sit in the properties panel, with what is needed before resolving, above the requester
    properties = page.get_by_role("region", name="Properties", exact=True)
    assert "Needed before resolving: Product." in properties.inner_text()
    panel = page.get_by_role("complementary", name="Ticket details")
    assert _fully_on_screen(page, panel.get_by_role("region", name="Requester", exact=True))
    page.screenshot(path=str(screenshot(page, "ticket-page-custom-fields-1366")).replace(".png", "-viewport.png"))

    # when the agent picks the product, types the order number, raises the priority and resolves, in one Update
    properties.get_by_label("Product").select_option("onprem")
    properties.get_by_label("Order number").fill("ORD-1042")
    properties.get_by_label("Priority", exact=True).select_option("3")
    properties.get_by_label("Status", exact=True).select_option("resolved")
    properties.get_by_role("button", name="Update").click()
    page.get_by_text("Updated status, priority, Product and Order number.").wait_for()

    # then the ticket has all four, and the form now shows the values it was given
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("resolved", 3)
    assert ticket.custom_fields == {"product": "onprem", "order": "ORD-1042"}
    assert page.get_by_label("Order number").input_value() == "ORD-1042"
    screenshot(page, "ticket-page-custom-fields-updated")
