"""Under the Content-Security-Policy the pages still work in Chromium and it reports no violation: the desk,
a ticket, the webhook page's confirmations (handlers in tessera.js, not in the markup), the API docs."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import sign_in, tenant_url
from tickets.models import Webhook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECTED_TEXT = "() => { const e = document.activeElement; return e.value.slice(e.selectionStart, e.selectionEnd); }"


def test_pages_work_under_the_policy_without_violations(page, live_server, tenant, admin, new_ticket, settings):
    # given a ticket and a webhook in acme, and a browser that records every policy violation
    settings.WEBHOOKS_ALLOW_HTTP = True
    ticket = new_ticket()
    with tenant_context(tenant):
        webhook = Webhook.objects.create(url="https://hooks.example.com/in", description="CRM", secret="s" * 32)
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    sign_in(page, live_server, tenant, "admin@acme.example")
    # when the admin works through the desk
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    page.get_by_role("heading", name=ticket.subject).wait_for()
    page.goto(tenant_url(live_server, tenant, f"/desk/settings/webhooks/{webhook.pk}/"))
    secret = page.get_by_role("textbox", name="Secret")
    secret.focus()
    selected = page.evaluate(SELECTED_TEXT)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete webhook").click()
    page.wait_for_timeout(300)
    with tenant_context(tenant):
        kept = Webhook.objects.filter(pk=webhook.pk).exists()
    page.goto(tenant_url(live_server, tenant, "/api/docs/"))
    page.locator(".swagger-ui .info").wait_for()
    # then the secret selects itself, a dismissed confirmation keeps the webhook, Swagger UI renders,
    # and the browser refused nothing
    assert selected == webhook.secret
    assert kept
    assert violations == []
