"""A tenant admin creates an API key in a real browser, copies it, uses it against the live API, revokes it; the
API docs page renders from our own static files. The pages work on a phone too."""

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def call_api(live_server, tenant, path: str, key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{live_server.url}{path}", headers={"Host": tenant.host, "Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_admin_creates_copies_uses_and_revokes_a_key(page, phone, live_server, tenant, admin, desk):
    # given an admin on the settings page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, tenant, "admin@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/"))
    screenshot(page, "settings-links")
    # when they follow the link to API keys and create a supervisor key
    page.locator('a[href="/desk/settings/api-keys/"]').first.click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_label("Role").select_option("supervisor")
    page.get_by_role("button", name="Create key").click()
    # then the key is shown once, and the copy button puts it on the clipboard
    key = page.get_by_role("textbox", name="API key").input_value()
    assert key.startswith("tsk_")
    page.get_by_role("button", name="Copy key").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    screenshot(page, "api-keys-created")
    # and the key works on the API
    assert call_api(live_server, tenant, "/api/v1/tickets/", key) == 200

    # when they revoke it after confirming
    page.goto(tenant_url(live_server, tenant, "/desk/settings/api-keys/"))
    assert page.get_by_role("textbox", name="API key").count() == 0  # never shown again
    page.get_by_role("link", name="Revoke CRM sync").click()
    screenshot(page, "api-key-revoke")
    page.get_by_role("button", name="Revoke key").click()
    # then the list says so and the API refuses the key
    assert "Revoked" in page.locator("table").inner_text()
    screenshot(page, "api-keys")
    assert call_api(live_server, tenant, "/api/v1/tickets/", key) == 401

    # and the docs page renders Swagger UI from our static files, with the operations listed
    page.goto(tenant_url(live_server, tenant, "/api/docs/"))
    page.locator(".opblock-summary-path", has_text="/api/v1/tickets/{number}/messages/").first.wait_for()
    external = [
        url
        for url in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        if tenant.host not in url
    ]
    assert external == []
    screenshot(page, "api-docs")

    # and on a phone the pages are usable
    sign_in(phone, live_server, tenant, "admin@acme.example")
    for path, name in (("/desk/settings/api-keys/", "api-keys-phone"), ("/api/docs/", "api-docs-phone")):
        phone.goto(tenant_url(live_server, tenant, path))
        phone.wait_for_load_state("networkidle")
        screenshot(phone, name)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
