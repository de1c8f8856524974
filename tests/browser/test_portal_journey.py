"""A customer's whole journey in a real browser: the request form with an attachment, the confirmation, the
emailed sign-in link, the agent's public reply (never the internal note), a reply, and the rating."""

from __future__ import annotations

import re
import shutil

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.tickets.factories import CategoryFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.models import Attachment, OutboundEmail, SatisfactionRating, Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    shutil.copy(path, f"/tmp/{name}.png")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def _mailed_link(to: str, pattern: str) -> str:
    """The link in the newest mail sent to `to` (the outbox task ran when the request committed; the stored
    copy of a sign-in mail has its link removed once sent, so read what went out)."""
    for sent in reversed(mail.outbox):
        found = re.search(pattern, sent.body) if sent.to == [to] else None
        if found:
            return found.group(0)
    raise AssertionError(f"No mail to {to} with {pattern}")


def test_customer_submits_signs_in_by_link_replies_and_rates(page, live_server, tenant, agent, desk):
    billing = CategoryFactory(tenant=tenant, name="Billing")
    CategoryFactory(tenant=tenant, name="Refunds", parent=billing)

    # when a visitor opens the portal and submits a request with an attachment
    page.goto(tenant_url(live_server, tenant, "/"))
    page.get_by_role("link", name="Submit a request").first.click()
    page.wait_for_url("**/new/")
    page.get_by_label("Your name").fill("Robin Customer")
    page.get_by_label("Your email").fill("robin@example.com")
    page.get_by_label("Topic").select_option(label="Refunds")
    page.get_by_label("Subject").fill("Charged twice for invoice 1042")
    page.get_by_label("Description").fill("My card was charged twice on 3 March. Screenshot attached.")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "statement.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _shot(page, "portal-new-desktop")
    page.get_by_role("button", name="Send request").click()

    # then the confirmation shows the reference, and the ticket has the attachment
    page.wait_for_url("**/new/thanks/")
    assert page.locator("[data-reference]").inner_text() == "ACME-1"
    _shot(page, "portal-submitted-desktop")
    with tenant_context(tenant):
        ticket = Ticket.objects.get(number=1)
        assert Attachment.objects.get(ticket=ticket).filename == "statement.png"
        assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT, ticket=ticket).exists()
        # and meanwhile an agent answers in public and leaves an internal note
        services.reply(ticket=ticket, actor=agent, body="We have refunded the second charge.")
        services.add_note(ticket=ticket, actor=agent, body="Refund approved by finance, ref FIN-88.")

    # when they ask for a sign-in link from the confirmation page
    page.get_by_role("link", name="Email me a sign-in link to follow it").click()
    page.get_by_label("Email").fill("robin@example.com")
    _shot(page, "portal-sign-in-desktop")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your email").wait_for()
    _shot(page, "portal-sign-in-sent-desktop")

    # and open the mailed link and continue
    link = _mailed_link("robin@example.com", r"https?://\S+/sign-in/[\w-]+/")
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(link.replace(f"http://{tenant.host}/", f"http://{tenant.host}:{port}/"))
    page.get_by_text("You're signing in as").wait_for()
    _shot(page, "portal-sign-in-confirm-desktop")
    page.get_by_role("button", name="Continue").click()

    # then they are signed in and see their request with the agent's reply, never the note
    page.get_by_text("You're signed in.").wait_for()
    page.get_by_role("link", name="Charged twice for invoice 1042").click()
    page.wait_for_url(f"**/requests/{ticket.number}/")
    assert page.get_by_text("We have refunded the second charge.").is_visible()
    assert page.get_by_role("link", name="statement.png").is_visible()
    assert "FIN-88" not in page.content()
    assert page.get_by_text("Someone is working on your request.").is_visible()

    # when they reply
    page.get_by_label("Your reply").fill("Thanks, I can see the refund.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Reply sent.").wait_for()
    assert page.get_by_text("Thanks, I can see the refund.").is_visible()

    # and the agent resolves it, and they rate the resolution from the request page
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    page.reload()
    assert page.get_by_text("We think this is solved.").is_visible()
    rating = page.locator("#rating")
    rating.get_by_text("Excellent").click()
    rating.get_by_label("Anything to add? (optional)").fill("Fast and friendly.")
    _shot(page, "portal-request-resolved-desktop")
    rating.get_by_role("button", name="Send my rating").click()
    page.get_by_text("Thank you for your rating.").wait_for()
    assert page.get_by_text("You rated 5/5").is_visible()

    # then the rating and the customer's reply are on the ticket, with a "rated" event
    with tenant_context(tenant):
        saved = SatisfactionRating.objects.get(ticket=ticket)
        assert (saved.score, saved.comment) == (5, "Fast and friendly.")
        assert TicketEvent.objects.filter(ticket=ticket, kind="rated", new_value="5").exists()
        assert ticket.messages.filter(body_html__contains="I can see the refund").exists()

    # and the agent sees the rating beside the ticket and in its timeline
    desk_page = page.context.browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    desk_page.set_default_timeout(15_000)
    sign_in(desk_page, live_server, tenant, "agent@acme.example")
    desk_page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    panel = desk_page.get_by_label("Customer satisfaction")
    assert "5/5" in panel.inner_text() and "Fast and friendly." in panel.inner_text()
    assert desk_page.get_by_text("rated the resolution 5/5").is_visible()
    _shot(desk_page, "desk-ticket-rated-desktop")


def test_portal_pages_fit_a_phone(phone, live_server, tenant, agent, desk):
    # given a resolved request of a signed-in customer, and its rating link
    from tests.conftest import make_member
    from tickets.services.satisfaction import rating_link

    CategoryFactory(tenant=tenant, name="Billing")
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
        ticket = services.create_ticket(
            actor=desk["contact"], contact=desk["contact"], subject="Printer on fire", body="It is on fire."
        )
        services.reply(ticket=ticket, actor=agent, body="A technician is on the way.", status=Status.RESOLVED)
        rate_path = "/" + rating_link(ticket=ticket, score=4).split("/", 3)[3]

    # the public pages
    for path, name in [
        ("/", "portal-home-phone"),
        ("/new/", "portal-new-phone"),
        ("/sign-in/", "portal-sign-in-phone"),
        ("/sign-in/" + "x" * 43 + "/", "portal-sign-in-failed-phone"),
        (rate_path, "portal-rate-phone"),
    ]:
        phone.goto(tenant_url(live_server, tenant, path))
        assert _fits(phone), path
        _shot(phone, name)
    # a form sent with mistakes keeps what was typed
    phone.goto(tenant_url(live_server, tenant, "/new/"))
    phone.get_by_label("Your name").fill("Robin")
    phone.get_by_label("Description").fill("Kept after the error")
    phone.get_by_role("button", name="Send request").click()
    phone.get_by_text("Please check the fields marked below.").wait_for()
    assert phone.get_by_label("Description").input_value() == "Kept after the error"
    _shot(phone, "portal-new-errors-phone")

    # the signed-in pages
    phone.goto(tenant_url(live_server, tenant, "/accounts/login/"))
    phone.get_by_label("Email").fill("pat@customer.example")
    phone.get_by_label("Password").fill("tessera-demo")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(tenant_url(live_server, tenant, "/"))
    _shot(phone, "portal-home-signed-in-phone")
    phone.goto(tenant_url(live_server, tenant, f"/requests/{ticket.number}/"))
    assert phone.get_by_role("button", name="Reopen request").is_visible()
    assert _fits(phone)
    _shot(phone, "portal-request-phone")
