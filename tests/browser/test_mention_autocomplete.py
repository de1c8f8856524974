"""Typing @ in the composer suggests colleagues; the chosen handle notifies them when the note is sent."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import sign_in, tenant_url
from tests.conftest import make_member
from tickets.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mention_is_suggested_inserted_and_notified(page, live_server, tenant, agent, desk, new_ticket):
    # given a colleague and a ticket; names fixed, as a random one with "bl" in it would be suggested too
    blake = make_member(tenant, "agent", "blake@acme.example")
    for member, name in ((agent, "Alex Agent"), (blake, "Blake Colleague")):
        member.user.full_name = name
        member.user.save(update_fields=["full_name"])
    ticket = new_ticket()
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    composer = page.locator("form.composer")
    composer.get_by_text("Internal note", exact=True).click()
    # when the agent types "@bl" and picks the suggestion with Enter
    textarea = composer.locator("textarea")
    textarea.click()
    textarea.press_sequentially("Can you look, @bl")
    suggestion = composer.locator("[data-mention-list] li", has_text=blake.display_name)
    suggestion.wait_for()
    textarea.press("Enter")
    textarea.press_sequentially("please?")
    # then the handle is in the note, and sending it notifies the colleague
    assert textarea.input_value() == "Can you look, @blake please?"
    composer.get_by_role("button", name="Send").click()
    page.get_by_text("Internal note added.").wait_for()
    with tenant_context(tenant):
        assert Notification.objects.filter(recipient=blake, kind="mention", ticket=ticket).count() == 1
