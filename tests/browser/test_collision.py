"""Two agents on the same ticket in two browsers: each sees the other, and the one who replies second is
warned before sending over the first, then sends anyway."""

import time

import pytest
from playwright.sync_api import expect

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.conftest import make_member
from tickets.models import Draft
from tickets.services import canned

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _close(*contexts):
    """Stop the pages' polls, autosaves and goodbye beacon, and let requests in flight finish, before closing: the
    live server must not be answering them while the test database is flushed."""
    for context in contexts:
        for page in context.pages:
            page.evaluate("document.querySelectorAll('[data-presence], form[data-composer]').forEach(e => e.remove())")
    for context in contexts:
        pending = context.in_flight
        for _ in range(100):
            if not pending:
                break
            context.pages[0].wait_for_timeout(50)
        context.close()


def _open(browser, live_server, tenant, email, path):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    context.in_flight = set()
    context.on("request", lambda request: context.in_flight.add(request))
    context.on("requestfinished", lambda request: context.in_flight.discard(request))
    context.on("requestfailed", lambda request: context.in_flight.discard(request))
    page = context.new_page()
    sign_in(page, live_server, tenant, email)
    page.goto(tenant_url(live_server, tenant, path))
    return context, page


def test_second_agent_is_warned_before_replying_over_the_first(browser, live_server, tenant, agent, desk, new_ticket):
    # given a ticket and two agents, Alex (agent@) and Blake, both with it open in their own browser
    blake = make_member(tenant, "agent", "blake@acme.example")
    ticket = new_ticket(subject="VPN drops every hour", body="Since Monday the VPN disconnects.")
    path = f"/desk/tickets/{ticket.number}/"
    alex_context, alex = _open(browser, live_server, tenant, "agent@acme.example", path)
    blake_context, blake_page = _open(browser, live_server, tenant, "blake@acme.example", path)
    try:
        # then each sees the other on the ticket within a poll or two
        alex.locator(".presence__list").get_by_text(blake.display_name).wait_for(timeout=10_000)
        blake_page.locator(".presence__list").get_by_text(agent.display_name).wait_for(timeout=10_000)

        # when Blake starts typing, Alex sees it
        blake_composer = blake_page.locator("form.composer")
        blake_composer.get_by_label("Message").press_sequentially("Restart the router, please.", delay=20)
        alex.locator(".presence__list").get_by_text("is typing a reply").wait_for(timeout=10_000)

        # and when Alex replies first
        alex_composer = alex.locator("form.composer")
        alex_composer.get_by_label("Message").fill("Please update the VPN client to 4.2.")
        alex_composer.get_by_role("button", name="Send", exact=True).click()
        alex.get_by_text("Reply sent.").wait_for()

        # then Blake's send is held: the composer shows Alex's reply and keeps Blake's text
        blake_composer.get_by_role("button", name="Send", exact=True).click()
        warning = blake_page.locator("[data-stale]")
        warning.wait_for()
        assert "Please update the VPN client to 4.2." in warning.inner_text()
        assert f"{agent.display_name} replied" in warning.inner_text()
        assert (
            blake_page.locator("form.composer").get_by_label("Message").input_value() == "Restart the router, please."
        )
        screenshot(blake_page, "collision-warning")
        with tenant_context(tenant):
            assert ticket.messages.count() == 2

        # and "Send anyway" sends it
        blake_page.get_by_role("button", name="Send anyway").click()
        blake_page.get_by_text("Reply sent.").wait_for()
        with tenant_context(tenant):
            bodies = [message.body_text for message in ticket.messages.order_by("id")]
        assert bodies[1:] == ["Please update the VPN client to 4.2.", "Restart the router, please."]
    finally:
        _close(alex_context, blake_context)


def test_canned_response_and_draft_in_the_composer(browser, live_server, tenant, agent, desk, new_ticket):
    # given a personal canned response that sets the ticket pending
    ticket = new_ticket(subject="Printer jam")
    with tenant_context(tenant):
        canned.create_canned_response(
            actor=agent, title="Ask for a photo", folder="Hardware", set_status="pending",
            body="Hi {{ contact.first_name }}, could you send a photo of the jam on {{ ticket.number }}?",
        )  # fmt: skip
    context, page = _open(browser, live_server, tenant, "agent@acme.example", f"/desk/tickets/{ticket.number}/")
    try:
        composer = page.locator("form.composer")
        message = composer.get_by_label("Message")
        # when the agent types, searches the canned responses and picks one
        message.press_sequentially("Thanks! ", delay=10)
        composer.get_by_label("Search canned responses").fill("photo")
        composer.get_by_role("button", name="Ask for a photo").click()
        # then its text goes in at the cursor, filled in, and the status select follows it
        expected = "Thanks! Hi Pat, could you send a photo of the jam on ACME-1?"
        assert message.input_value() == expected
        assert composer.locator("select[name=status]").input_value() == "pending"
        screenshot(page, "composer-canned-inserted")

        # and the draft survives a reload
        # (polled in the database: the page's Content-Security-Policy refuses the eval that wait_for_function needs)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with tenant_context(tenant):
                if Draft.objects.filter(ticket=ticket).exclude(body="").exists():
                    break
            page.wait_for_timeout(100)
        page.reload()
        expect(page.locator("form.composer").get_by_label("Message")).to_have_value(expected, timeout=15_000)
    finally:
        _close(context)
