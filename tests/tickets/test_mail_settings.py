"""Settings → Email: support addresses, templates with preview and reset, the inbound secret, the mail log;
and the tenant host's password reset through the outbox."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client
from tests.tickets.factories import OutboundEmailFactory, SupportAddressFactory
from tickets.models import EmailTemplate, MailSettings, OutboundEmail, SupportAddress

pytestmark = pytest.mark.django_db

URL = "/desk/settings/email/"


def test_agents_and_supervisors_may_not_open_it(tenant, agent, supervisor, other_agent):
    assert host_client(tenant, agent).get(URL).status_code == 403
    assert host_client(tenant, supervisor).get(URL).status_code == 403
    assert host_client(tenant, other_agent).get(URL).status_code == 404
    assert host_client(tenant, agent).post("/desk/settings/email/inbound-secret/").status_code == 403


def test_admin_adds_addresses_and_moves_the_default(tenant, admin, desk):
    client = host_client(tenant, admin)
    # when the admin adds two addresses, the second into the General queue
    client.post(f"{URL}addresses/", {"email": "Support@Acme.example", "name": "Acme Support"})
    client.post(f"{URL}addresses/", {"email": "billing@acme.example", "queue": desk["queue"].pk})
    with tenant_context(tenant):
        first, second = SupportAddress.objects.order_by("email").reverse()
    # then the first became the default (mail needs a From), the second landed in its queue
    assert (first.email, first.is_default) == ("support@acme.example", True)
    assert (second.email, second.is_default, second.queue_id) == ("billing@acme.example", False, desk["queue"].pk)
    # when the default moves, and the new default is removed
    client.post(f"{URL}addresses/{second.pk}/", {"name": "Billing", "is_default": "on"})
    with tenant_context(tenant):
        assert SupportAddress.objects.get(is_default=True).pk == second.pk
    client.post(f"{URL}addresses/{second.pk}/remove/")
    # then the remaining address takes over
    with tenant_context(tenant):
        assert list(SupportAddress.objects.values_list("email", "is_default")) == [("support@acme.example", True)]


def test_bad_and_duplicate_addresses_are_refused_with_a_message(tenant, admin):
    client = host_client(tenant, admin)
    client.post(f"{URL}addresses/", {"email": "support@acme.example"})
    duplicate = client.post(f"{URL}addresses/", {"email": "SUPPORT@acme.example"})
    invalid = client.post(f"{URL}addresses/", {"email": "not an address"})
    assert duplicate.status_code == 400 and "already one of your support addresses" in duplicate.text
    assert invalid.status_code == 400 and "valid email address" in invalid.text


def test_another_tenants_address_is_a_404(tenant, other_tenant, admin):
    theirs = SupportAddressFactory(tenant=other_tenant, email="help@globex.example", is_default=True)
    client = host_client(tenant, admin)
    assert client.post(f"{URL}addresses/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"{URL}addresses/{theirs.pk}/", {"name": "x"}).status_code == 404
    with tenant_context(other_tenant):
        assert SupportAddress.objects.filter(pk=theirs.pk).exists()


def test_template_save_preview_and_reset(tenant, admin):
    client = host_client(tenant, admin)
    page = f"{URL}templates/acknowledgement/"
    # the built-in wording shows with a preview
    shown = client.get(page)
    assert shown.status_code == 200 and "We received your request" in shown.text and "Pat Example" in shown.text
    # an unknown placeholder is refused with the list of the ones that work, and what was typed stays
    refused = client.post(
        page, {"action": "save", "subject": "Hi {{ settings.SECRET_KEY }}", "body_text": "Thanks {{ contact.name }}"}
    )
    assert refused.status_code == 400
    assert "Unknown placeholder {{ settings.SECRET_KEY }}" in refused.text and "{{ ticket.url }}" in refused.text
    assert "Thanks {{ contact.name }}" in refused.text
    with tenant_context(tenant):
        assert not EmailTemplate.objects.exists()
    # a preview fills the typed wording with the sample ticket and saves nothing
    preview = client.post(page, {"action": "preview", "subject": "Got {{ ticket.reference }}", "body_text": "Hi"})
    assert preview.status_code == 200 and "Got ACME-1042" in preview.text
    # saving stores it (the HTML part sanitised), reset goes back to the built-in wording
    client.post(
        page,
        {
            "action": "save",
            "subject": "Got {{ ticket.reference }}",
            "body_text": "Hi {{ contact.first_name }}",
            "body_html": "<p onclick='x()'>Hi</p><script>alert(1)</script>",
        },
    )
    with tenant_context(tenant):
        template = EmailTemplate.objects.get(kind="acknowledgement")
    assert template.subject == "Got {{ ticket.reference }}" and template.updated_by_id == admin.pk
    assert "script" not in template.body_html and "onclick" not in template.body_html
    client.post(page, {"action": "reset"})
    with tenant_context(tenant):
        assert not EmailTemplate.objects.exists()
    assert client.get(f"{URL}templates/not-a-kind/").status_code == 404


def test_placeholders_are_checked_per_kind(tenant, admin):
    # the rating link exists only in the resolution mail
    client = host_client(tenant, admin)
    refused = client.post(
        f"{URL}templates/acknowledgement/", {"action": "save", "subject": "x", "body_text": "{{ rating.url }}"}
    )
    accepted = client.post(
        f"{URL}templates/resolved/", {"action": "save", "subject": "x", "body_text": "{{ rating.url }}"}
    )
    assert refused.status_code == 400 and accepted.status_code == 302


def test_inbound_secret_is_shown_once_and_stored_hashed(tenant, admin):
    client = host_client(tenant, admin)
    # when the admin makes a secret
    response = client.post(f"{URL}inbound-secret/")
    secret = re.search(r'id="new-secret" type="text" value="([^"]+)"', response.text).group(1)
    # then only its hash is stored, and the page does not show it again
    with tenant_context(tenant):
        settings_row = MailSettings.objects.get()
    assert settings_row.inbound_secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert len(secret) >= 43  # 256 bits
    assert secret not in client.get(URL).text
    assert f"…{secret[-4:]}" in client.get(URL).text
    # and replacing it makes the old one useless
    client.post(f"{URL}inbound-secret/")
    with tenant_context(tenant):
        assert MailSettings.objects.get().inbound_secret_hash != settings_row.inbound_secret_hash
        assert MailSettings.objects.count() == 1


def test_mail_log_lists_and_retries_failed_mail(
    tenant, other_tenant, admin, desk, new_ticket, django_capture_on_commit_callbacks
):
    ticket = new_ticket()
    failed = OutboundEmailFactory(
        tenant=tenant, ticket=ticket, to_address="pat@customer.example", subject="Re: Printer",
        status=OutboundEmail.Status.FAILED, last_error="SMTPServerDisconnected: gone", attempts=7,
    )  # fmt: skip
    OutboundEmailFactory(tenant=other_tenant, ticket=None, subject="Globex secret subject")
    client = host_client(tenant, admin)
    page = client.get(URL).text
    assert "Re: Printer" in page and "SMTPServerDisconnected" in page and "Send again" in page
    assert "Globex secret subject" not in page
    # when the admin sends it again
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{URL}log/{failed.pk}/retry/")
    # then it goes out and the log says so
    assert [m.to for m in mail.outbox] == [["pat@customer.example"]]
    with tenant_context(tenant):
        failed.refresh_from_db()
    assert failed.status == OutboundEmail.Status.SENT


def test_settings_page_queries_do_not_grow_with_rows(tenant, admin, desk, new_ticket):
    client = host_client(tenant, admin)
    ticket = new_ticket()
    SupportAddressFactory(tenant=tenant, is_default=True)
    OutboundEmailFactory(tenant=tenant, ticket=ticket)
    few = count_queries(client, URL)
    for _ in range(8):
        SupportAddressFactory(tenant=tenant)
        OutboundEmailFactory(tenant=tenant, ticket=new_ticket())
    assert count_queries(client, URL) == few


# --- Password reset on a tenant host ------------------------------------------------------------------------------


def test_password_reset_is_an_outbound_mail_with_a_tenant_link(tenant, agent, django_capture_on_commit_callbacks):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    # when the agent asks for a reset on acme's host, with a forged Host-independent link expected
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = host_client(tenant).post("/accounts/password/reset/", {"email": "agent@acme.example"})
    # then the request only wrote the mail down; the outbox task sent it after commit
    assert response.status_code == 302 and len(callbacks) == 1
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.get()
    assert (outbound.kind, outbound.to_address, outbound.status) == ("password_reset", "agent@acme.example", "sent")
    assert "accounts/password/reset" not in outbound.body_text  # the one-time link is not kept once sent
    [sent] = mail.outbox
    assert re.search(r"http://acme\.localhost/accounts/password/reset/\S+/\S+/", sent.body)
    assert sent.message()["Auto-Submitted"] == "auto-generated"


def test_password_reset_is_capped_per_address(tenant, agent):
    client = host_client(tenant)
    for _ in range(7):
        client.post("/accounts/password/reset/", {"email": "agent@acme.example"})
    with tenant_context(tenant):
        assert OutboundEmail.objects.filter(kind="password_reset").count() == 5
