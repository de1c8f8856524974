"""A supervisor opens a report in the browser, narrows it by queue, follows a count to its tickets and downloads
the report's CSV (Playwright, headless Chromium)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_opens_a_report_and_downloads_its_csv(page, live_server, known, supervisor):
    # given the hand-built Berlin desk and its supervisor, signed in
    tenant = known["tenant"]
    sign_in(page, live_server, tenant, "supervisor@acme.example")
    # when they open Reports from the navigation, then the quality report for 6-19 January
    page.goto(tenant_url(live_server, tenant, "/desk/"))
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name="Quality").first.click()
    page.get_by_label("From", exact=True).fill("2025-01-06")
    page.get_by_label("To", exact=True).fill("2025-01-19")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    # then the reopen rate reads one of three, with its definition beside it
    main = page.inner_text("main")
    assert "Reopens, first-contact resolution and escalations" in main
    assert "a customer answering a pending ticket is not a reopen" in main
    reopened = page.locator("tr", has_text="Reopened")
    assert "33.3 %" in reopened.inner_text()
    screenshot(page, "report-quality")
    # when they follow the reopen count
    reopened.get_by_role("link", name="1", exact=True).click()
    # then the list holds T2
    assert tenant.format_ticket_number(known["t2"].number) in page.inner_text("main")
    # when they go back and download the CSV
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # then it is the report's figures
    assert download.value.suggested_filename == "quality-2025-01-06-2025-01-19.csv"
    assert rows[0] == ["section", "row", "measure", "value"]
    assert ["Reopens, first-contact resolution and escalations", "Reopened", "Rate", "33.3"] in rows
