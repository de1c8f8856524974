"""A tenant admin registers a webhook in a real browser, copies its secret, sends a test event to a real
receiver and reads the delivery in the log; the pages work on a phone too."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.tickets.test_webhooks import Receiver, expected_signature
from tickets.models import Webhook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    # The receiver listens on 127.0.0.1 over plain HTTP, which production refuses.
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver()
    yield server
    server.close()


def test_admin_adds_a_webhook_and_reads_the_test_delivery(page, phone, live_server, tenant, admin, receiver):
    # given an admin on the settings page
    sign_in(page, live_server, tenant, "admin@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/"))
    # when they follow the link to webhooks and add one for the real receiver
    page.locator('a[href="/desk/settings/webhooks/"]').first.click()
    page.get_by_role("link", name="Add webhook").first.click()
    page.get_by_label("Payload URL").fill(receiver.url)
    page.get_by_label("Description").fill("Sync tickets to the CRM")
    screenshot(page, "webhook-form")
    page.get_by_role("button", name="Add webhook").click()
    # then the webhook's page shows the secret to copy
    page.get_by_role("heading", name="Signing secret and events").wait_for()
    with tenant_context(tenant):
        webhook = Webhook.objects.get()
    assert page.get_by_role("textbox", name="Secret").input_value() == webhook.secret
    assert webhook.events == ["ticket.created", "ticket.updated", "ticket.status_changed", "ticket.resolved"]

    # when they send a test event
    page.get_by_role("button", name="Send test event").click()
    # then the receiver got a signed ping and the log shows it delivered with the answer
    row = page.locator(".webhook-log tbody tr").first
    row.wait_for()
    assert "ping" in row.inner_text() and "Delivered" in row.inner_text() and "200" in row.inner_text()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["headers"]["X-Tessera-Signature"] == expected_signature(webhook.secret, request)
    screenshot(page, "webhook-detail")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/webhooks/"))
    assert "Delivered" in page.locator(".webhook-list").inner_text()
    screenshot(page, "webhook-list")

    # and on a phone the pages are usable
    sign_in(phone, live_server, tenant, "admin@acme.example")
    for path, name in (
        ("/desk/settings/webhooks/", "webhook-list-phone"),
        (f"/desk/settings/webhooks/{webhook.pk}/", "webhook-detail-phone"),
        ("/desk/settings/webhooks/new/", "webhook-form-phone"),
    ):
        phone.goto(tenant_url(live_server, tenant, path))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
        screenshot(phone, name)
