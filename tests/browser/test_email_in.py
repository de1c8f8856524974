"""Email in, in a real browser: an admin adds an IMAP mailbox (a local IMAP server) and reads it now; the mail
becomes a ticket whose message links to the original .eml for the agent. The pages work on a phone too."""

from pathlib import Path

import pytest

from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.tickets.factories import SupportAddressFactory
from tests.tickets.imap_server import ImapServer, Mailbox
from tests.tickets.mail_samples import build
from tickets.models import ImapMailbox, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_an_imap_mailbox_and_the_agent_opens_the_original(page, phone, live_server, tenant, admin, desk):
    # given a mailbox with one unread mail on a local IMAP server
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    box = Mailbox()
    box.add(
        build(
            subject="Projector shows no picture",
            body="Hello,\n\nThe projector in room 4 shows nothing.\n\nOn Monday, Acme wrote:\n> Anything else?",
        )
    )
    with ImapServer(box) as server:
        # when the admin adds the mailbox
        sign_in(page, live_server, tenant, "admin@acme.example")
        page.goto(tenant_url(live_server, tenant, "/desk/settings/email/"))
        page.locator("#imap").scroll_into_view_if_needed()
        screenshot(page, "email-settings-imap-section")
        page.get_by_role("link", name="Manage IMAP mailboxes").click()
        page.get_by_label("Host", exact=True).fill("127.0.0.1")
        page.get_by_label("Port").fill(str(server.port))
        page.get_by_label("Connect with TLS (recommended)").uncheck()
        page.get_by_label("User name").fill(box.username)
        page.get_by_label("Password").fill(box.password)
        page.get_by_role("button", name="Add mailbox").click()
        page.get_by_text("its unread mail is read within a minute").wait_for()
        assert "Waiting for the first read" in page.locator(".list").inner_text()

        # and reads it now
        page.get_by_role("button", name="Read now").click()
        page.get_by_text("reload in a moment").wait_for()
        page.reload()

    # then the mailbox shows as working and the mail became a ticket
    assert "Working" in page.locator(".list").inner_text()
    screenshot(page, "imap-mailboxes")
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        mailbox = ImapMailbox.objects.get()
    assert ticket.subject == "Projector shows no picture"
    assert box.unseen() == []

    # when the agent opens the ticket, the quoted history is trimmed and the original is one click away
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    message = page.locator(".timeline__message").first
    assert "The projector in room 4 shows nothing." in message.inner_text()
    assert "Anything else?" not in message.inner_text()
    screenshot(page, "ticket-original-email")
    with page.expect_download() as download:
        message.get_by_role("link", name="Original email").click()
    assert download.value.suggested_filename.endswith(".eml")
    assert b"Projector shows no picture" in Path(download.value.path()).read_bytes()

    # and on a phone the mailbox pages fit the screen
    sign_in(phone, live_server, tenant, "admin@acme.example")
    for path, name in (
        ("/desk/settings/email/imap/", "imap-mailboxes-phone"),
        (f"/desk/settings/email/imap/{mailbox.pk}/", "imap-mailbox-edit-phone"),
        (f"/desk/tickets/{ticket.number}/", "ticket-original-email-phone"),
        ("/desk/settings/email/inbound/", "received-mail-phone"),
    ):
        phone.goto(tenant_url(live_server, tenant, path))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, name)
    page.goto(tenant_url(live_server, tenant, f"/desk/settings/email/imap/{mailbox.pk}/"))
    screenshot(page, "imap-mailbox-edit")
    page.goto(tenant_url(live_server, tenant, "/desk/settings/email/inbound/"))
    assert "Projector shows no picture" in page.locator(".list").inner_text()
    screenshot(page, "received-mail")
