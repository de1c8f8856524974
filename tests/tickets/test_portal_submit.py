"""The public request form: validation that keeps what was typed, spam defences, the confirmation and the
acknowledgement."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import CategoryFactory, ContactFactory
from tickets.models import Attachment, Channel, Contact, OutboundEmail, Ticket
from tickets.views import portal as portal_views

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(**overrides) -> dict:
    data = {
        "name": "Robin Customer",
        "email": "Robin@Example.com",
        "subject": "Invoice 1042 charged twice",
        "description": "I was charged twice for invoice 1042.",
        "category": "",
        "website": "",
    }
    data.update(overrides)
    return data


def _tickets(tenant) -> list[Ticket]:
    with tenant_context(tenant):
        return list(Ticket.objects.select_related("contact").order_by("id"))


def test_submit_request_creates_a_web_ticket_and_shows_its_reference(tenant, desk):
    # given a public category with a subcategory
    billing = CategoryFactory(tenant=tenant, name="Billing")
    refunds = CategoryFactory(tenant=tenant, name="Refunds", parent=billing)
    client = host_client(tenant)
    # when a visitor submits the form with an attachment
    upload = SimpleUploadedFile("screenshot.png", PNG, content_type="image/png")
    response = client.post("/new/", {**_form(category=str(refunds.pk)), "files": [upload]})
    # then a web ticket is opened for a new contact found by the lower-cased address, with the attachment
    assert response.status_code == 302 and response["Location"] == "/new/thanks/"
    [ticket] = _tickets(tenant)
    assert ticket.channel == Channel.WEB and ticket.subject == "Invoice 1042 charged twice"
    assert (ticket.category_id, ticket.subcategory_id) == (billing.pk, refunds.pk)
    assert (ticket.contact.email, ticket.contact.name) == ("robin@example.com", "Robin Customer")
    with tenant_context(tenant):
        assert Attachment.objects.get(ticket=ticket).filename == "screenshot.png"
        # and the acknowledgement is written for the submitting address only
        acks = list(OutboundEmail.objects.filter(ticket=ticket, kind=OutboundEmail.Kind.ACKNOWLEDGEMENT))
    assert [a.to_address for a in acks] == ["robin@example.com"]
    # and the confirmation page shows the reference
    page = client.get("/new/thanks/").text
    assert "ACME-1" in page and "robin@example.com" in page


def test_submit_request_reuses_the_contact_with_that_address(tenant, desk):
    # given a known contact
    known = ContactFactory(tenant=tenant, email="robin@example.com", name="Robin")
    # when they submit with the address in another case
    host_client(tenant).post("/new/", _form(email="ROBIN@example.com"))
    # then the ticket is theirs; no second contact
    [ticket] = _tickets(tenant)
    assert ticket.contact_id == known.pk
    with tenant_context(tenant):
        assert Contact.objects.filter(email="robin@example.com").count() == 1


def test_submit_request_errors_keep_what_was_typed_and_say_files_must_be_chosen_again(tenant, desk):
    # when the form is sent without a subject, with a file
    upload = SimpleUploadedFile("notes.txt", b"some notes", content_type="text/plain")
    response = host_client(tenant).post("/new/", {**_form(subject="  "), "files": [upload]})
    # then nothing is created, the page says what is wrong, keeps the typed values and asks for the files again
    assert response.status_code == 400
    page = response.text
    assert 'value="Robin Customer"' in page and "I was charged twice for invoice 1042." in page
    assert "This field is required." in page or "Give your request a subject." in page
    assert "choose the files again" in page
    assert _tickets(tenant) == []


def test_submit_request_refuses_a_file_type_or_size_we_do_not_take(tenant, desk):
    # given a tenant that takes 1 MB per file
    tenant.max_attachment_mb = 1
    tenant.save(update_fields=["max_attachment_mb"])
    client = host_client(tenant)
    # when an executable and an oversized file are attached
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/octet-stream")
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (1024 * 1024), content_type="image/png")
    refused_type = client.post("/new/", {**_form(), "files": [exe]})
    refused_size = client.post("/new/", {**_form(), "files": [big]})
    # then each is refused with a clear message and nothing is created, not even the submitter's contact (the
    # ticket's refusals come before it is written, as there is no savepoint to roll it back)
    assert refused_type.status_code == 400 and "not a file type we accept" in refused_type.text
    assert refused_size.status_code == 400 and "larger than 1 MB" in refused_size.text
    assert _tickets(tenant) == []
    with tenant_context(tenant):
        assert not Contact.objects.filter(email="robin@example.com").exists()


def test_submit_request_refuses_an_overlong_description(tenant, desk):
    response = host_client(tenant).post("/new/", _form(description="x" * 20_001))
    assert response.status_code == 400
    assert "at most 20000 characters" in response.text or "at most 20,000 characters" in response.text
    assert _tickets(tenant) == []


def test_submit_request_offers_only_public_categories(tenant, desk):
    # given a public and an internal category
    CategoryFactory(tenant=tenant, name="Billing")
    internal = CategoryFactory(tenant=tenant, name="Internal escalations", is_public=False)
    client = host_client(tenant)
    # then the form offers the public one only, and refuses the internal one if posted anyway
    page = client.get("/new/").text
    assert "Billing" in page and "Internal escalations" not in page
    response = client.post("/new/", _form(category=str(internal.pk)))
    assert response.status_code == 400 and _tickets(tenant) == []


def test_honeypot_looks_accepted_but_creates_nothing(tenant, desk):
    # when a bot fills in the hidden field
    response = host_client(tenant).post("/new/", _form(website="http://spam.example"))
    # then it sees the usual redirect to the confirmation, yet no ticket, contact or mail exists
    assert response.status_code == 302 and response["Location"] == "/new/thanks/"
    assert _tickets(tenant) == []
    with tenant_context(tenant):
        assert not Contact.objects.filter(email="robin@example.com").exists()
        assert not OutboundEmail.objects.exists()


def test_submit_request_is_rate_limited_per_ip(tenant, desk, monkeypatch):
    # given a limit of two posts an hour per IP
    monkeypatch.setattr(portal_views, "SUBMIT_RATE_PER_IP", "2/h")
    client = host_client(tenant)
    # when one IP sends three requests from different addresses
    codes = [client.post("/new/", _form(email=f"person{i}@example.com"), REMOTE_ADDR="198.51.100.7").status_code
             for i in range(3)]  # fmt: skip
    # then the third is refused with a clear message, and another IP still gets through
    assert codes == [302, 302, 429]
    assert len(_tickets(tenant)) == 2
    other = client.post("/new/", _form(email="other@example.com"), REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302


def test_submit_request_is_rate_limited_per_email(tenant, desk, monkeypatch):
    # given a limit of two requests an hour per address
    monkeypatch.setattr(portal_views, "SUBMIT_RATE_PER_EMAIL", "2/h")
    client = host_client(tenant)
    # when one address submits three times from different IPs (in any letter case)
    codes = [
        client.post("/new/", _form(email=email), REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i, email in enumerate(["robin@example.com", "ROBIN@example.com", "robin@example.com"])
    ]
    # then the third is refused and keeps what was typed
    assert codes == [302, 302, 429]
    refused = client.post("/new/", _form(email="robin@example.com"), REMOTE_ADDR="198.51.100.9")
    assert "several requests from this address" in refused.text and "Invoice 1042 charged twice" in refused.text
    assert len(_tickets(tenant)) == 2


def test_signed_in_customer_submits_as_themselves_whatever_is_posted(tenant, desk):
    # given a signed-in customer linked to their contact
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    client = host_client(tenant, member)
    # then the form shows their address, and a posted other address is ignored
    assert "pat@customer.example" in client.get("/new/").text
    response = client.post("/new/", _form(email="victim@example.com", name="Someone Else"))
    assert response.status_code == 302
    [ticket] = _tickets(tenant)
    assert ticket.contact_id == desk["contact"].pk
    with tenant_context(tenant):
        assert not Contact.objects.filter(email="victim@example.com").exists()
    assert f"/requests/{ticket.number}/" in client.get("/new/thanks/").text


def test_the_confirmation_page_without_a_submission_leads_to_the_form(tenant, desk):
    response = host_client(tenant).get("/new/thanks/")
    assert response.status_code == 302 and response["Location"] == "/new/"


def test_a_submission_stays_in_its_tenant(tenant, other_tenant, desk):
    # when a visitor submits on acme's host
    host_client(tenant).post("/new/", _form())
    # then globex has no ticket and no contact
    assert _tickets(other_tenant) == []
    with tenant_context(other_tenant):
        assert not Contact.objects.exists()


def test_behind_the_proxy_the_limit_counts_the_address_the_proxy_saw(tenant, desk, monkeypatch, settings):
    # given the app behind its proxy (every request from the proxy's address) and a limit of two per IP
    settings.RATELIMIT_IP_META_KEY = "tenancy.net.client_ip"
    monkeypatch.setattr(portal_views, "SUBMIT_RATE_PER_IP", "2/h")
    client = host_client(tenant)

    def post(i: int, forwarded: str) -> int:
        data = _form(email=f"person{i}@example.com")
        return client.post("/new/", data, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # when one client sends three, faking a different first address each time
    spoofed = [post(i, f"203.0.113.{i}, 198.51.100.7") for i in range(3)]
    # then the proxy's entry counts: the third is refused, while another client still gets through
    assert spoofed == [302, 302, 429]
    assert post(9, "198.51.100.8") == 302
