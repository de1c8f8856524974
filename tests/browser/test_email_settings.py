"""A tenant admin sets up customer mail in a real browser: adds the support address, rewords the
acknowledgement and previews it; an agent sees on the ticket which replies were mailed and which failed.
The pages work on a phone too."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in, tenant_url
from tickets import services
from tickets.models import EmailTemplate, OutboundEmail, SupportAddress
from tickets.services import customer_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sets_up_customer_mail(page, phone, live_server, tenant, admin, desk):
    # given an admin on the settings page
    sign_in(page, live_server, tenant, "admin@acme.example")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/"))
    # when they open the email settings and add their support address
    page.locator('a[href="/desk/settings/email/"]').first.click()
    page.get_by_label("Address", exact=True).fill("support@acme.example")
    page.get_by_label("Display name", exact=True).fill("Acme Support")
    page.get_by_role("button", name="Add address").click()
    # then it is the default address, the one mail comes from
    page.get_by_text("Added support@acme.example.").wait_for()
    with tenant_context(tenant):
        assert SupportAddress.objects.get().is_default
    assert "Default" in page.locator(".mail-addresses").inner_text()
    screenshot(page, "email-settings")

    # when they reword the acknowledgement and preview it
    page.get_by_role("link", name="Edit the acknowledgement mail").click()
    page.get_by_label("Subject", exact=True).fill("Thanks, {{ contact.first_name }}: {{ ticket.reference }} is with us")
    page.get_by_role("button", name="Preview").click()
    # then the preview shows it filled with the sample request, and nothing is saved yet
    assert "Thanks, Pat: ACME-1042 is with us" in page.locator(".mail-preview").inner_text()
    with tenant_context(tenant):
        assert not EmailTemplate.objects.exists()
    html_version = page.frame_locator("iframe.mail-preview__html").locator("body")
    assert "We have received your request" in html_version.inner_text()
    screenshot(page, "email-template")
    page.locator(".mail-preview").screenshot(path=str(ARTIFACTS / "email-template-preview.png"))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the acknowledgement mail.").wait_for()
    with tenant_context(tenant):
        assert EmailTemplate.objects.get().subject.startswith("Thanks, {{ contact.first_name }}")

    # and on a phone both pages are usable
    sign_in(phone, live_server, tenant, "admin@acme.example")
    for path, name in (
        ("/desk/settings/email/", "email-settings-phone"),
        ("/desk/settings/email/templates/acknowledgement/", "email-template-phone"),
    ):
        phone.goto(tenant_url(live_server, tenant, path))
        screenshot(phone, name)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_agent_sees_which_replies_were_mailed(page, phone, live_server, tenant, agent, desk, new_ticket):
    # given a ticket with two replies, the second of which could not be mailed
    ticket = new_ticket(subject="Printer on fire")
    with tenant_context(tenant):
        customer_mail.send_acknowledgement(ticket=ticket)
        services.reply(ticket=ticket, actor=agent, body="We are on our way.")
        failed = services.reply(ticket=ticket, actor=agent, body="Fixed, please check.")
        OutboundEmail.objects.filter(message=failed).update(
            status=OutboundEmail.Status.FAILED, attempts=7, last_error="SMTPRecipientsRefused: mailbox unavailable"
        )
    # when the agent opens the ticket and expands the failure
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    page.get_by_text("Mail failed").click()
    # then they read why, next to the reply
    failed_reply = page.locator(f"#message-{failed.pk}")
    assert "SMTPRecipientsRefused: mailbox unavailable" in failed_reply.inner_text()
    assert page.locator(f"#message-{failed.pk} ~ li .mail-status").count() == 0
    assert page.locator(".message .mail-status", has_text="Mailed").count() == 1  # the first reply went out
    # and the acknowledgement shows in the timeline as a mail of its own
    assert "Acknowledgement mail to pat@customer.example" in page.locator(".timeline__mail").inner_text()
    screenshot(page, "ticket-mail-status")
    sign_in(phone, live_server, tenant, "agent@acme.example")
    phone.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    screenshot(phone, "ticket-mail-status-phone")
