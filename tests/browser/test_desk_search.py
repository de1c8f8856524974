"""The desk's one search box, used from any page in a real browser: an error code is searched as text (not taken
for ticket 17), an email address finds the requester's tickets."""

import pytest

from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.tickets.factories import ContactFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_search_finds_error_code_and_email_from_any_page(browser, live_server, tenant, agent, desk, new_ticket):
    # given a ticket naming error E-17, a ticket numbered 17, and Dana's ticket that never names her address
    coded = new_ticket(subject="Printer shows error E-17 after the update")
    TicketFactory(tenant=tenant, number=17, subject="Seventeenth ticket", queue=desk["queue"], contact=desk["contact"])
    dana = ContactFactory(tenant=tenant, email="dana@newco.example", name="Dana Whitfield", organisation=None)
    laptop = new_ticket(subject="Laptop will not boot", body="It beeps twice.", contact=dana)
    page = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, tenant, "agent@acme.example")

    # when the agent, on a ticket page, searches for E-17 in the header's search box
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{laptop.number}/"))
    box = page.get_by_role("searchbox", name="Search tickets, people and organisations")
    box.fill("E-17")
    box.press("Enter")
    page.wait_for_url("**/desk/search/?q=E-17")
    # then the results list the ticket with that code, not ticket 17
    results = page.get_by_role("region", name="Tickets")
    results.get_by_role("link", name="Printer shows error E-17 after the update").wait_for()
    assert results.get_by_text("Seventeenth ticket").count() == 0
    screenshot(page, "desk-search-error-code")

    # when they search for Dana's address from the queue page
    page.goto(tenant_url(live_server, tenant, "/desk/views/all/"))
    box = page.get_by_role("searchbox", name="Search tickets, people and organisations")
    box.fill("dana@newco.example")
    box.press("Enter")
    page.wait_for_url("**/desk/search/**")
    # then her ticket and her contact are found
    page.get_by_role("region", name="Tickets").get_by_role("link", name="Laptop will not boot").wait_for()
    assert page.get_by_role("region", name="Contacts").get_by_text("Dana Whitfield").is_visible()
    assert page.get_by_role("region", name="Tickets").get_by_text(coded.subject).count() == 0
    screenshot(page, "desk-search-email")

    # and on a phone the box is there too
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, live_server, tenant, "agent@acme.example")
    phone.goto(tenant_url(live_server, tenant, "/desk/search/?q=E-17"))
    assert phone.get_by_role("searchbox", name="Search tickets, people and organisations").is_visible()
    phone.get_by_role("link", name="Printer shows error E-17 after the update").wait_for()
    screenshot(phone, "desk-search-phone")
