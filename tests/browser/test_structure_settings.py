"""An admin shapes the help desk in a real browser: adds a subcategory and a queue, and sees the portal header
follow the branding form as they type (static/js/branding-preview.js)."""

import pytest

from tenancy.setup import set_up_tenant
from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_subcategory_and_a_queue(page, live_server, tenant, admin):
    # given a new tenant, set up with its starter categories, queue and team
    set_up_tenant(tenant, admin=admin)
    sign_in(page, live_server, tenant, "admin@acme.example")
    # when the admin adds a subcategory under Billing
    page.goto(tenant_url(live_server, tenant, "/desk/settings/categories/"))
    form = page.locator("#add-category")
    form.get_by_label("Name").fill("Refund status")
    form.get_by_label("Under").select_option(label="Billing")
    form.get_by_role("button", name="Add category").click()
    # then it is listed under Billing
    assert page.get_by_text("Category added.").is_visible()
    assert page.get_by_role("cell", name="Refund status").is_visible()
    screenshot(page, "settings-categories")
    # and when they add a queue for the Support team that starts tickets at high priority
    page.goto(tenant_url(live_server, tenant, "/desk/settings/queues/"))
    form = page.locator("#add-queue")
    form.get_by_label("Name").fill("Billing")
    form.get_by_label("Team").select_option(label="Support")
    form.get_by_label("Assignment").select_option("round_robin")
    form.get_by_label("Default priority").select_option(label="High")
    form.get_by_role("button", name="Add queue").click()
    # then it is listed beside the default queue
    assert page.get_by_text("Queue added.").is_visible()
    assert page.get_by_role("cell", name="Round robin").is_visible()
    screenshot(page, "settings-queues")


def test_branding_preview_follows_the_form(page, live_server, tenant, admin):
    # given the branding page
    sign_in(page, live_server, tenant, "admin@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/branding/"))
    # when the admin types a name and picks a colour, without saving
    page.get_by_label("Display name").fill("Acme Care")
    page.locator("#id_accent_colour").evaluate(
        "el => { el.value = '#7c3aed'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    # then the preview shows them
    preview = page.locator("[data-branding-preview]")
    assert preview.locator(".branding-preview__header [data-preview-name]").inner_text() == "Acme Care"
    button = preview.locator(".branding-preview__button")
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(124, 58, 237)"
    screenshot(page, "settings-branding-preview")
