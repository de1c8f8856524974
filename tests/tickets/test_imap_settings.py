"""Settings → Email → IMAP mailboxes: admins add, change, pause, remove and read a mailbox now."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tests.tickets.factories import ImapMailboxFactory, SupportAddressFactory
from tests.tickets.imap_server import ImapServer, Mailbox
from tests.tickets.mail_samples import build
from tickets.models import ImapMailbox, Ticket

LIST = "/desk/settings/email/imap/"


def _mailboxes(tenant) -> list[ImapMailbox]:
    with tenant_context(tenant):
        return list(ImapMailbox.objects.order_by("id"))


def test_admin_adds_a_mailbox(tenant, other_tenant, admin):
    # when
    response = host_client(tenant, admin).post(
        LIST,
        {"host": "IMAP.Example.com", "port": "993", "use_ssl": "on", "username": "help@acme.example",
         "password": "app-password", "folder": "INBOX"},
    )  # fmt: skip

    # then
    assert response.status_code == 302 and response["Location"] == LIST
    [mailbox] = _mailboxes(tenant)
    assert (mailbox.host, mailbox.port, mailbox.use_ssl, mailbox.username, mailbox.password, mailbox.is_active) == (
        "imap.example.com", 993, True, "help@acme.example", "app-password", True,
    )  # fmt: skip
    assert _mailboxes(other_tenant) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"host": "imap example com", "port": "993", "username": "u", "password": "p"}, "is not a host name"),
        ({"host": "imap.example.com", "port": "993", "username": "u", "password": ""}, "This field is required"),
        ({"host": "imap.example.com", "port": "99999", "username": "u", "password": "p"}, "less than or equal"),
    ],
    ids=["host", "password", "port"],
)
def test_add_mailbox_refuses_bad_input_with_a_message_and_keeps_what_was_typed(tenant, admin, data, message):
    # when
    response = host_client(tenant, admin).post(LIST, {"folder": "INBOX", **data})

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'value="u"' in html
    assert _mailboxes(tenant) == []


def test_list_shows_status_and_never_the_password(tenant, admin):
    # given
    ImapMailboxFactory(tenant=tenant, username="broken@acme.example", password="hunter2-secret",
                       last_error="The server said: Invalid credentials")  # fmt: skip
    ImapMailboxFactory(tenant=tenant, username="paused@acme.example", is_active=False)

    # when
    html = host_client(tenant, admin).get(LIST).content.decode()

    # then
    assert "Failing" in html and "Invalid credentials" in html and "Paused" in html
    assert "hunter2-secret" not in html


def test_list_runs_a_fixed_number_of_queries(tenant, admin):
    # given
    client = host_client(tenant, admin)
    ImapMailboxFactory(tenant=tenant)
    one = count_queries(client, LIST)
    for _ in range(4):
        ImapMailboxFactory(tenant=tenant)

    # when
    five = count_queries(client, LIST)

    # then
    assert five == one


def test_edit_keeps_the_password_when_left_empty_and_pauses(tenant, admin):
    # given
    mailbox = ImapMailboxFactory(tenant=tenant, password="old-password", last_error="old error")

    # when
    response = host_client(tenant, admin).post(
        f"{LIST}{mailbox.pk}/",
        {"host": "mail.example.com", "port": "143", "username": mailbox.username, "password": "", "folder": "Support"},
    )

    # then
    assert response.status_code == 302
    [saved] = _mailboxes(tenant)
    assert (saved.host, saved.port, saved.use_ssl, saved.folder, saved.is_active) == (
        "mail.example.com", 143, False, "Support", False,
    )  # fmt: skip
    assert saved.password == "old-password" and saved.last_error == ""


def test_remove_mailbox(tenant, admin):
    # given
    mailbox = ImapMailboxFactory(tenant=tenant)

    # when
    response = host_client(tenant, admin).post(f"{LIST}{mailbox.pk}/remove/")

    # then
    assert response.status_code == 302
    assert _mailboxes(tenant) == []


def test_read_now_polls_the_mailbox(tenant, desk, admin, django_capture_on_commit_callbacks):
    # given
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    box = Mailbox()
    box.add(build(subject="Read me now"))
    with ImapServer(box) as server:
        mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=False,
                                     username=box.username, password=box.password)  # fmt: skip

        # when
        with django_capture_on_commit_callbacks(execute=True):
            response = host_client(tenant, admin).post(f"{LIST}{mailbox.pk}/poll/")

    # then
    assert response.status_code == 302
    with tenant_context(tenant):
        assert list(Ticket.objects.values_list("subject", flat=True)) == ["Read me now"]
    assert box.unseen() == []


def test_mailbox_pages_are_for_admins_of_the_tenant_only(tenant, other_tenant, supervisor):
    # given
    mailbox = ImapMailboxFactory(tenant=tenant)
    other_admin = host_client(other_tenant, make_member(other_tenant, Role.ADMIN, "admin@globex.example"))

    # when / then: a supervisor is refused; another tenant's admin finds no such mailbox
    assert host_client(tenant, supervisor).get(LIST).status_code == 403
    assert host_client(tenant, supervisor).post(f"{LIST}{mailbox.pk}/remove/").status_code == 403
    assert other_admin.get(f"{LIST}{mailbox.pk}/").status_code == 404
    assert other_admin.post(f"{LIST}{mailbox.pk}/remove/").status_code == 404
    assert other_admin.post(f"{LIST}{mailbox.pk}/poll/").status_code == 404
    assert len(_mailboxes(tenant)) == 1


def test_email_settings_page_links_to_the_imap_mailboxes(tenant, admin):
    # when
    html = host_client(tenant, admin).get("/desk/settings/email/").content.decode()

    # then
    assert 'id="imap"' in html and f'href="{LIST}"' in html
