"""An admin sets auto-resolve and auto-close in a real browser: a close inside the reopen window is refused under
its field, a valid change is saved (screenshots of both)."""

import pytest

from sla.automation.rules import current_rules
from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sets_auto_resolve_and_auto_close(page, live_server, tenant, admin, desk):
    # given an admin on the settings page, following the link
    sign_in(page, live_server, tenant, "admin@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/"))
    page.locator('a[href="/desk/settings/sla/automation/"]').first.click()
    screenshot(page, "sla-automation-settings")
    # when they ask to close two days after resolution (the reopen window is 7)
    page.get_by_label("Resolve after (days without a customer reply)").fill("5")
    page.get_by_label("Close after (days since resolution)").fill("2")
    page.get_by_role("button", name="Save rules").click()
    # then the reason shows under the field
    assert page.get_by_text("would take that away").is_visible()
    screenshot(page, "sla-automation-settings-refused")
    # when they leave it empty (close when the window ends) and save
    page.get_by_label("Close after (days since resolution)").fill("")
    page.get_by_role("button", name="Save rules").click()
    assert page.get_by_text("Auto-resolve and auto-close saved.").is_visible()
    with tenant_context(tenant):
        assert (current_rules(tenant).resolve_days, current_rules(tenant).close_days) == (5, 7)
