"""The live dashboard in a real browser: a ticket becomes at risk and its panel shows it on its own 30-second
refresh, with no reload; then the supervisor downloads the CSV of a filtered list. Screenshots on a laptop and a
phone."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from sla.models import SlaTarget
from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.sla.factories import SlaTargetFactory
from tickets import services
from tickets.lifecycle import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_sees_a_ticket_become_at_risk_and_exports_a_filtered_list(
    page, phone, live_server, tenant, supervisor, agent, desk, new_ticket
):
    # given three tickets, one with a resolution target whose warning is still an hour away
    watched = new_ticket(subject="Payroll export stuck")
    new_ticket(subject="Printer jam")
    pending = new_ticket(subject="Waiting on the customer")
    with tenant_context(tenant):
        services.change_status(ticket=pending, status=Status.PENDING, actor=agent)
        now = timezone.now()
        target = SlaTargetFactory(
            tenant=tenant, ticket=watched, warn_at=now + timedelta(hours=1), due_at=now + timedelta(hours=2)
        )
    sign_in(page, live_server, tenant, "supervisor@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/dashboard/"))
    risk = page.locator("#panel-risk")
    assert "Nothing is at risk" in risk.inner_text()
    assert "0 at risk" in risk.inner_text()
    page.evaluate("window.notReloaded = true")

    # when its warning time passes
    with tenant_context(tenant):
        SlaTarget.objects.filter(pk=target.pk).update(warn_at=timezone.now() - timedelta(minutes=1))

    # then within one refresh (30 s) the panel lists it, linking to the ticket, and the page was not reloaded
    row = page.locator("#panel-risk tr[data-ticket]")
    row.wait_for(timeout=45_000)
    assert "Payroll export stuck" in row.inner_text() and "At risk" in row.inner_text()
    assert "1 at risk" in page.locator("#panel-risk").inner_text()
    assert page.evaluate("window.notReloaded") is True
    assert row.get_by_role("link", name=f"ACME-{watched.number}").get_attribute("href") == (
        f"/desk/tickets/{watched.number}/"
    )
    screenshot(page, "dashboard-laptop")

    # when the supervisor reassigns it from the list
    row.get_by_label(f"Assignee of ACME-{watched.number}").select_option(str(agent.pk))
    row.get_by_role("button", name="Assign").click()
    page.locator("#panel-risk .notice--success").wait_for()
    assert "is now with" in page.locator("#panel-risk").inner_text()
    with tenant_context(tenant):
        watched.refresh_from_db()
    assert watched.assignee_id == agent.pk

    # and the same dashboard on a phone
    sign_in(phone, live_server, tenant, "supervisor@acme.example")
    phone.goto(tenant_url(live_server, tenant, "/desk/dashboard/"))
    phone.locator("#panel-risk tr[data-ticket]").wait_for()
    screenshot(phone, "dashboard-phone")
    # the page does not scroll sideways: wide tables scroll inside their panel
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # when the supervisor filters the list to new tickets and exports it
    page.goto(tenant_url(live_server, tenant, "/desk/views/all/?status=new"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    content = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    # then the file has exactly the filtered tickets
    assert download.suggested_filename.endswith(".csv")
    assert sorted(row[1] for row in rows[1:]) == ["Payroll export stuck", "Printer jam"]
