"""Keyboard shortcuts in a real browser: move through a queue, open a ticket, reply, note, claim, help overlay."""

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _highlighted(page) -> str:
    return page.locator(".tickets-table tbody tr.is-kbd-current .tickets-table__link").inner_text()


def test_agent_works_the_queue_and_a_ticket_from_the_keyboard(page, live_server, tenant, agent, desk, new_ticket):
    # given three tickets in the queue (sorted by due date, then id: oldest first)
    tickets = [new_ticket(subject=f"Keyboard ticket {n}") for n in (1, 2, 3)]
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/queues/{desk['queue'].pk}/"))
    rows = page.locator(".tickets-table tbody .tickets-table__link")
    subjects = rows.all_inner_texts()
    assert sorted(subjects) == [t.subject for t in tickets]

    # when the agent presses j, j, k the highlight moves down twice and up once
    page.keyboard.press("j")
    assert _highlighted(page) == subjects[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert _highlighted(page) == subjects[1]
    screenshot(page, "shortcuts-queue-highlight")

    # and "/" focuses the search without typing a slash into it
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    assert page.locator("#id_q").input_value() == ""
    page.keyboard.press("Escape")

    # and "?" opens the help overlay, "?" again closes it
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    help_dialog.wait_for()
    assert help_dialog.get_by_text("Write an internal note").is_visible()
    screenshot(page, "shortcuts-help")
    page.keyboard.press("?")
    help_dialog.wait_for(state="hidden")

    # and j then Enter opens the highlighted ticket
    page.keyboard.press("j")
    assert _highlighted(page) == subjects[2]
    page.keyboard.press("Enter")
    opened = next(t for t in tickets if t.subject == subjects[2])
    page.wait_for_url(f"**/desk/tickets/{opened.number}/")

    # then on the ticket, r focuses the composer as a public reply
    composer = page.locator("form.composer")
    page.keyboard.press("r")
    body = composer.locator("textarea[name=body]")
    assert body.evaluate("el => el === document.activeElement")
    assert composer.locator("input[name=kind][value=reply]").is_checked()
    assert body.input_value() == ""

    # and typing "c" (and "e", "j") in the composer only types: nothing is claimed or resolved
    page.keyboard.type("ccej")
    assert body.input_value() == "ccej"
    page.wait_for_timeout(300)
    with tenant_context(tenant):
        opened.refresh_from_db()
        assert (opened.assignee_id, opened.status) == (None, "new")
    assert page.get_by_role("button", name="Claim").is_visible()

    # and after leaving the field, n switches the composer to an internal note and focuses it
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    assert composer.locator("input[name=kind][value=note]").is_checked()
    assert body.evaluate("el => el === document.activeElement")

    # and with Ctrl held, c does nothing
    page.keyboard.press("Escape")
    page.keyboard.press("Control+c")
    page.wait_for_timeout(300)
    with tenant_context(tenant):
        opened.refresh_from_db()
        assert opened.assignee_id is None

    # and c claims the ticket
    page.keyboard.press("c")
    page.get_by_text("is yours").wait_for()
    with tenant_context(tenant):
        opened.refresh_from_db()
        assert opened.assignee_id == agent.pk

    # and e resolves it through the status form
    page.keyboard.press("e")
    page.get_by_text("Updated status.").wait_for()
    with tenant_context(tenant):
        opened.refresh_from_db()
        assert opened.status == "resolved"
    screenshot(page, "shortcuts-ticket-resolved")
