"""Custom fields in a real browser: an admin adds a choice field shown in the portal, a customer fills it in the
request form, and an agent filters the queue by it."""

from __future__ import annotations

import shutil

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tickets import services
from tickets.models import CustomField, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    shutil.copy(screenshot(page, name), f"/tmp/{name}.png")


def test_admin_adds_a_portal_field_customer_fills_it_agent_filters_by_it(
    browser, live_server, tenant, admin, agent, desk
):
    # given a ticket already in the queue without the field
    with tenant_context(tenant):
        services.create_ticket(actor=desk["contact"], contact=desk["contact"], subject="Older request", body="x")

    # when the admin adds a "Product" choice field shown in the portal
    admin_page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(admin_page, live_server, tenant, "admin@acme.example")
    admin_page.goto(tenant_url(live_server, tenant, "/desk/settings/"))
    admin_page.get_by_role("link", name="Custom fields").click()
    admin_page.get_by_role("link", name="Add field").first.click()
    admin_page.get_by_label("Key", exact=True).fill("product")
    admin_page.get_by_label("Label", exact=True).fill("Product")
    admin_page.get_by_label("Help text", exact=True).fill("Which of our products is this about?")
    admin_page.get_by_label("Type", exact=True).select_option("choice")
    admin_page.get_by_label("Choices", exact=True).fill("Tessera Cloud\nTessera On-Prem\nMobile app")
    admin_page.get_by_label("Customers see and fill it in the portal", exact=True).check()
    admin_page.get_by_label("Required when a ticket is created", exact=True).check()
    _shot(admin_page, "custom-field-form")
    admin_page.get_by_role("button", name="Add field").click()
    admin_page.wait_for_url("**/desk/settings/fields/")
    # then the list shows it with its codes made from the labels
    assert "Tessera Cloud · Tessera On-Prem · Mobile app" in admin_page.content()
    _shot(admin_page, "custom-fields-settings")
    with tenant_context(tenant):
        assert [c["code"] for c in CustomField.objects.get(key="product").choices] == [
            "tessera_cloud", "tessera_on_prem", "mobile_app",
        ]  # fmt: skip

    # when a customer submits a request, first forgetting the product
    customer = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    customer.goto(tenant_url(live_server, tenant, "/new/"))
    customer.get_by_label("Your name").fill("Robin Customer")
    customer.get_by_label("Your email").fill("robin@example.com")
    customer.get_by_label("Subject").fill("Sync stopped on the server")
    customer.get_by_label("Description").fill("Our on-prem server stopped syncing last night.")
    customer.get_by_role("button", name="Send request").click()
    # then the form comes back asking for it, with what was typed kept
    assert "Required." in customer.content()
    assert customer.get_by_label("Subject").input_value() == "Sync stopped on the server"
    customer.get_by_label("Product *").select_option(label="Tessera On-Prem")
    _shot(customer, "custom-fields-portal-form")
    customer.get_by_role("button", name="Send request").click()
    customer.wait_for_url("**/new/thanks/")
    with tenant_context(tenant):
        ticket = Ticket.objects.get(subject="Sync stopped on the server")
    assert ticket.custom_fields == {"product": "tessera_on_prem"}

    # when an agent filters the queue by the product
    desk_page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(desk_page, live_server, tenant, "agent@acme.example")
    desk_page.goto(tenant_url(live_server, tenant, "/desk/views/all/"))
    assert "Older request" in desk_page.content()
    desk_page.locator("summary", has_text="More filters").click()
    desk_page.get_by_label("Tessera On-Prem").check()
    desk_page.get_by_role("button", name="Apply").click()
    # then only the customer's request is listed
    desk_page.wait_for_url("**cf_product=tessera_on_prem**")
    desk_page.get_by_role("link", name="Sync stopped on the server").wait_for()
    assert "Older request" not in desk_page.locator("#results").last.inner_text()
    _shot(desk_page, "custom-fields-queue-filter")
    # and the ticket page shows the field in its panel
    desk_page.get_by_role("link", name="Sync stopped on the server").click()
    desk_page.wait_for_url("**/desk/tickets/*/")
    assert desk_page.get_by_label("Product").input_value() == "tessera_on_prem"
    _shot(desk_page, "custom-fields-ticket-panel")
