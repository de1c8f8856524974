"""A customer without a password follows the link in a notification mail while signed out: the sign-in page
offers the emailed link, which brings them back to the request, greeted as a newcomer."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, tenant_url
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mailed_link(to: str) -> str:
    for sent in reversed(mail.outbox):
        found = re.search(r"https?://\S+/sign-in/[\w-]+/\S*", sent.body) if sent.to == [to] else None
        if found:
            return found.group(0)
    raise AssertionError(f"No sign-in mail to {to}")


@pytest.mark.parametrize("viewport", [(1366, 800), (390, 844)], ids=["desktop", "phone"])
def test_mail_link_to_a_request_signs_in_by_email_and_lands_on_it(
    browser, live_server, tenant, agent, desk, new_ticket, viewport
):
    # given Pat's request with an agent's reply (the notification mail links to /requests/1/)
    ticket = new_ticket(subject="Printer on fire", body="Smoke from tray 2.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Please unplug it; a technician is on the way.")
    width, height = viewport
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(15_000)
    name = "desktop" if width > 500 else "phone"

    # when Pat, signed out and without a password, opens the link from the mail
    page.goto(tenant_url(live_server, tenant, f"/requests/{ticket.number}/"))
    # then the sign-in page offers the emailed link
    page.get_by_role("button", name="Email me a sign-in link").wait_for()
    screenshot(page, f"portal-mail-link-sign-in-{name}")
    page.get_by_label("Your address, for a sign-in link").fill("pat@customer.example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your email").wait_for()

    # when Pat opens the mailed link and continues
    port = live_server.url.rsplit(":", 1)[1]
    link = _mailed_link("pat@customer.example").replace(f"http://{tenant.host}/", f"http://{tenant.host}:{port}/")
    page.goto(link)
    page.get_by_role("button", name="Continue").click()

    # then Pat is on the request, welcomed as a newcomer, with the agent's reply
    page.wait_for_url(f"**/requests/{ticket.number}/")
    page.get_by_text("Welcome to Acme Corporation support").wait_for()
    assert page.get_by_text("a technician is on the way").is_visible()
    assert "Welcome back" not in page.content()
    screenshot(page, f"portal-request-{name}")
