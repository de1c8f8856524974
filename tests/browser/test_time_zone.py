"""An agent of a Berlin help desk chooses New York as their own zone from the account menu, and the ticket page
then shows its times in New York's; a wrong zone typed into the form is refused with a message."""

from datetime import UTC, datetime

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tickets import clock, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_chooses_their_zone_and_the_ticket_page_follows(page, live_server, tenant, agent, desk):
    # given a Berlin help desk with a ticket opened at 17:00 UTC on a winter day
    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    with tenant_context(tenant), clock.replaying(datetime(2026, 1, 15, 17, 0, tzinfo=UTC)):
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Printer on fire", body="It burns.")
    sign_in(page, live_server, tenant, "agent@acme.example")
    ticket_url = tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/")
    page.goto(ticket_url)
    assert page.locator('time[title="15 Jan 2026, 18:00 CET"]').count() >= 1

    # when they open Time zone from the account menu and choose New York
    page.locator("summary.menu, details.menu > summary").first.click()
    page.get_by_role("link", name="Time zone").click()
    page.get_by_label("Time zone").select_option("America/New_York")
    screenshot(page, "time-zone")
    page.get_by_role("button", name="Save time zone").click()
    # then the page says so, and the ticket's times are New York's
    assert "Times are now shown in America/New_York." in page.inner_text("main")
    page.goto(ticket_url)
    assert page.locator('time[title="15 Jan 2026, 12:00 EST"]').count() >= 1
    assert page.locator('time[title="15 Jan 2026, 18:00 CET"]').count() == 0

    # when a zone that is not on the list is sent (the select altered by hand)
    page.goto(tenant_url(live_server, tenant, "/accounts/time-zone/"))
    page.evaluate("document.querySelector('#id_timezone').options[1].value = 'Mars/Olympus'")
    page.locator("#id_timezone").select_option(index=1)
    page.get_by_role("button", name="Save time zone").click()
    # then it is refused with a message naming it
    assert "“Mars/Olympus” is not a time zone we know" in page.inner_text("main")
    screenshot(page, "time-zone-refused")
