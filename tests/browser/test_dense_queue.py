"""The queue at 1366x800 shows at least 15 tickets above the fold, each on one line with subject, requester,
status, priority, assignee, due and updated; on a phone (390x844) the list still reads and the views are one tap
away in the menu."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMNS = ("subject", "requester", "status", "priority", "assignee", "due", "updated")


def test_queue_shows_fifteen_rows_above_the_fold(browser, live_server, tenant, agent, desk, new_ticket):
    # given 30 open tickets with long subjects and deadlines
    for i in range(30):
        new_ticket(subject=f"Ticket {i:02d}: the customer portal shows an error after the latest update on Monday")
    with tenant_context(tenant):
        Ticket.objects.update(next_due_at=timezone.now() + timedelta(hours=5))
    page = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, tenant, "agent@acme.example")

    # when the agent opens the queue
    page.goto(tenant_url(live_server, tenant, f"/desk/queues/{desk['queue'].pk}/"))
    rows = page.locator(".tickets-table tbody tr")
    rows.first.wait_for()

    # then at least 15 rows are entirely above the fold, each one line high, every column shown
    above = [box for box in (row.bounding_box() for row in rows.all()) if box and box["y"] + box["height"] <= 800]
    print(f"{len(above)} rows above the fold at 1366x800")
    assert len(above) >= 15, len(above)
    assert max(box["height"] for box in above) < 40
    first = rows.first
    for column in COLUMNS:
        assert first.locator(f".tickets-table__{column}").is_visible(), column
    assert page.locator(".tickets-table thead .tickets-table__updated").is_visible()
    # and the views are in the app sidebar, beside the list rather than taking a column of it
    assert page.get_by_role("navigation", name="Ticket views").is_visible()
    assert page.locator(".tickets-table").bounding_box()["width"] > 950
    screenshot(page, "queue-dense-1366")

    # on a phone the rows stack and the views are in the menu
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, live_server, tenant, "agent@acme.example")
    phone.goto(tenant_url(live_server, tenant, f"/desk/queues/{desk['queue'].pk}/"))
    phone.locator(".tickets-table tbody tr").first.wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator(".tickets-table tbody tr").first.locator(".tickets-table__link").is_visible()
    phone.get_by_role("button", name="Open menu").click()
    views = phone.get_by_role("navigation", name="Ticket views")
    views.get_by_role("link", name="All tickets").wait_for()
    screenshot(phone, "queue-phone-menu")
    views.get_by_role("link", name="All tickets").click()
    phone.wait_for_url("**/desk/views/all/")
    screenshot(phone, "queue-phone")
