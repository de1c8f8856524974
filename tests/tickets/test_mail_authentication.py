"""Forged mail never joins a customer's conversation: the From is parsed before its name is decoded, and only
the topmost Authentication-Results of a trusted receiving host (authserv-id) can authenticate it. Mail that
claims a conversation without that is held for an admin; the held mail's review screen is tenant-scoped."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.factories import (
    ContactFactory,
    ImapMailboxFactory,
    MailSettingsFactory,
    SupportAddressFactory,
)
from tests.tickets.mail_samples import TRUSTED_HOST, build, dmarc_pass, raw
from tickets.mail.authentication import aligned, judge, parse_authentication_results
from tickets.mail.intake import ingest
from tickets.models import Contact, InboundEmail, Message, OutboundEmail, Ticket, TicketEvent

Outcome = InboundEmail.Outcome
HTTP = InboundEmail.Source.HTTP
ROOT = Path(__file__).resolve().parents[2]
LOG = "/desk/settings/email/inbound/"


@pytest.fixture
def mail_desk(tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    return desk


def _ingest(tenant, eml: bytes, source=HTTP, mailbox=None) -> InboundEmail:
    with tenant_context(tenant):
        return ingest(eml, source=source, mailbox=mailbox)


def _messages(tenant, ticket) -> int:
    with tenant_context(tenant):
        return Message.objects.filter(ticket=ticket).count()


def _reply(ticket, **extra) -> bytes:
    return build(subject=f"Re: [ACME-{ticket.number}] Printer on fire", **{"body": "Send me the invoice.", **extra})


# --- the verdict ---------------------------------------------------------------------------------------------------

TRUSTED = frozenset({TRUSTED_HOST})


def _judge(header: str, sender: str = "pat@customer.example", trusted=TRUSTED):
    return judge(authentication_results=header, from_address=sender, from_ambiguous=False, trusted=trusted)


def test_parse_authentication_results_reads_id_methods_and_properties_past_comments_and_quotes():
    # given a header as Gmail writes it, with a version, comments and a quoted value
    header = (
        'mx.google.com 1; dkim=pass header.i=@acme.example header.s=s1 header.b="a;b"; '
        "spf=pass (google.com: domain of x@acme.example designates 1.2.3.4) smtp.mailfrom=x@acme.example; "
        "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example"
    )
    # when
    authserv_id, results = parse_authentication_results(header)
    # then
    assert authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert results[0].properties["header.b"] == "a;b"
    assert results[2].properties["header.from"] == "acme.example"


@pytest.mark.parametrize(
    ("header", "authenticated"),
    [
        (f"{TRUSTED_HOST}; dmarc=pass header.from=customer.example", True),
        (f"{TRUSTED_HOST}; dmarc=pass header.from=evil.example", False),  # another From than the one we read
        (f"{TRUSTED_HOST}; dkim=pass header.d=customer.example", True),
        (f"{TRUSTED_HOST}; dkim=pass header.d=mail.customer.example", True),  # a subdomain: aligned
        (f"{TRUSTED_HOST}; dkim=pass header.d=evil.example", False),  # signed, but by someone else
        (f"{TRUSTED_HOST}; spf=pass smtp.mailfrom=bounces@customer.example", True),
        (f"{TRUSTED_HOST}; spf=pass smtp.mailfrom=bounces@evil.example", False),
        (f"{TRUSTED_HOST}; dkim=pass header.d=customer.example; dmarc=fail header.from=customer.example", False),
        (f"{TRUSTED_HOST}; dkim=fail header.d=customer.example; spf=softfail smtp.mailfrom=customer.example", False),
        (f"{TRUSTED_HOST}; none", False),
        ("mx.evil.example; dmarc=pass header.from=customer.example", False),  # not a trusted host
        ("", False),
        ("garbage ((( ;;; ===", False),
    ],
)
def test_judge_needs_a_pass_aligned_with_the_from_domain_from_a_trusted_host(header, authenticated):
    assert _judge(header).authenticated is authenticated


def test_judge_trusts_nobody_when_no_authserv_id_is_configured():
    verdict = _judge(dmarc_pass("pat@customer.example"), trusted=frozenset())
    assert not verdict.authenticated and "no trusted authserv-id" in verdict.reason


def test_alignment_is_parent_or_child_never_siblings_under_a_public_suffix():
    assert aligned("mail.acme.example", "acme.example") and aligned("acme.example", "support.acme.example")
    assert not aligned("evil.co.uk", "acme.co.uk")  # a last-two-labels rule would call both "co.uk"
    assert not aligned("news.acme.example", "shop.acme.example")  # stricter than DMARC relaxed: held, not lost
    assert not aligned("example", "acme.example")  # a bare top-level domain aligns with nothing


# --- the intake ----------------------------------------------------------------------------------------------------


def test_encoded_name_spoof_from_the_issue_is_not_appended(tenant, mail_desk, new_ticket):
    # given ACME's customer@acme.example and their ticket; the attacker's own domain passes DMARC at the
    # receiving host (it checks evil.example, the real address), exactly as in the red-team report
    customer = ContactFactory(tenant=tenant, email="customer@acme.example", name="Real Customer")
    ticket = new_ticket(contact=customer)
    eml = raw(
        f"""Authentication-Results: {TRUSTED_HOST}; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example
From: =?utf-8?q?Real_Customer_=3Ccustomer=40acme=2Eexample=3E?= <attacker@evil.example>
To: support@acme.example
Subject: Re: [ACME-{ticket.number}] Printer on fire
Message-ID: <spoof-301@evil.example>

Please send the invoice copy to this address.
"""  # noqa: E501
    )

    # when
    inbound = _ingest(tenant, eml)

    # then: the address is the attacker's (the name is only a name), so it joins nothing
    assert inbound.from_address == "attacker@evil.example"
    assert inbound.outcome == Outcome.NEW_TICKET and inbound.ticket_id != ticket.pk
    assert _messages(tenant, ticket) == 1
    with tenant_context(tenant):
        opened = Ticket.objects.select_related("contact").get(pk=inbound.ticket_id)
        assert (opened.contact.email, opened.contact.name) == (
            "attacker@evil.example",
            "Real Customer <customer@acme.example>",
        )


def test_plain_forged_from_without_authentication_results_is_held_not_appended(tenant, mail_desk, new_ticket):
    # given the requester's ticket; a mail that merely says it is from them
    ticket = new_ticket()

    # when
    inbound = _ingest(tenant, _reply(ticket))

    # then
    assert (inbound.outcome, inbound.ticket_id, inbound.message_id) == (Outcome.HELD, ticket.pk, None)
    assert f"Claims ACME-{ticket.number} (by subject)" in inbound.reason
    assert "no Authentication-Results header" in inbound.reason and not inbound.authenticated
    assert _messages(tenant, ticket) == 1
    with tenant_context(tenant):
        [held] = TicketEvent.objects.filter(ticket=ticket, kind="email_held")
        assert (held.actor_automation, held.field, held.new_value) == ("email intake", "inbound_email", str(inbound.pk))
        assert not OutboundEmail.objects.exists()  # nothing acknowledged to anyone


@pytest.mark.parametrize("how", ["in-reply-to", "reply address", "thread-index"])
def test_unauthenticated_mail_is_held_whatever_proves_the_ticket(tenant, mail_desk, new_ticket, how):
    # given a ticket and the proofs of which ticket a mail is about: our Message-ID, the signed reply address,
    # an Outlook conversation the requester started
    from tickets.mail import identity

    root = bytes(range(22))
    first = _ingest(
        tenant, build(subject="Laptop", headers={"Thread-Index": base64.b64encode(root).decode()}, authenticated=True)
    )
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=first.ticket_id)
        first_message = Message.objects.get(pk=first.message_id)
    forged = {
        "in-reply-to": build(subject="x", in_reply_to=f"<{first_message.email_message_id}>"),
        "reply address": build(to=identity.reply_address(tenant, ticket.number, "support@acme.example"), subject="x"),
        "thread-index": build(subject="RE: Laptop", headers={"Thread-Index": base64.b64encode(root + b"1").decode()}),
    }[how]

    # when
    inbound = _ingest(tenant, forged)

    # then: each proves the ticket, none proves the sender
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.HELD, ticket.pk), inbound.reason
    assert f"(by {how})" in inbound.reason
    assert _messages(tenant, ticket) == 1


def test_forgery_with_a_foreign_authserv_id_is_held(tenant, mail_desk, new_ticket):
    # given the attacker's own server vouching for the customer's domain
    ticket = new_ticket()
    eml = _reply(ticket, authentication_results=["mx.evil.example; dmarc=pass header.from=customer.example"])

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.HELD
    assert "“mx.evil.example”, not a trusted host" in inbound.reason
    assert _messages(tenant, ticket) == 1


@pytest.mark.parametrize(
    "topmost",
    [
        f"{TRUSTED_HOST}; spf=fail smtp.mailfrom=customer.example; dmarc=fail header.from=customer.example",
        f"{TRUSTED_HOST}; spf=none smtp.mailfrom=evil.example; dkim=none",  # nothing said about DMARC
    ],
)
def test_forged_authentication_results_below_the_trusted_one_are_ignored(tenant, mail_desk, new_ticket, topmost):
    # given the sender wrote a pass under the trusted host's name; the trusted host's own header is on top
    ticket = new_ticket()
    forged_below = f"{TRUSTED_HOST}; dkim=pass header.d=customer.example; dmarc=pass header.from=customer.example"
    eml = _reply(ticket, authentication_results=[topmost, forged_below])

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.HELD, inbound.reason
    assert _messages(tenant, ticket) == 1


@pytest.mark.parametrize(
    "header",
    [
        dmarc_pass("pat@customer.example"),
        f"{TRUSTED_HOST}; dkim=pass header.d=mail.customer.example header.s=s1; spf=fail; dmarc=none",
        f"{TRUSTED_HOST}; spf=pass smtp.mailfrom=pat@customer.example; dkim=none",
    ],
    ids=["dmarc", "dkim-aligned", "spf-aligned"],
)
def test_authenticated_reply_still_threads(tenant, other_tenant, mail_desk, new_ticket, header):
    # given
    ticket = new_ticket()

    # when
    inbound = _ingest(tenant, _reply(ticket, authentication_results=[header]))

    # then
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.APPENDED, ticket.pk), inbound.reason
    assert inbound.authenticated
    assert _messages(tenant, ticket) == 2
    with tenant_context(other_tenant):
        assert not InboundEmail.objects.exists()


def test_no_trusted_authserv_id_configured_holds_every_claimed_reply(tenant, mail_desk, new_ticket, settings):
    # given a platform that names no receiving host to believe
    settings.MAIL_TRUSTED_AUTHSERV_IDS = []
    ticket = new_ticket()

    # when
    inbound = _ingest(tenant, _reply(ticket, authenticated=True))

    # then
    assert inbound.outcome == Outcome.HELD and "no trusted authserv-id is configured" in inbound.reason


def test_support_address_mailbox_and_endpoint_override_the_platform_authserv_id(tenant, mail_desk, new_ticket):
    # given: billing@ is received by a provider with its own receiving host; so are an IMAP mailbox and the
    # tenant's HTTP endpoint
    SupportAddressFactory(tenant=tenant, email="billing@acme.example", trusted_authserv_ids="mx.provider.example")
    mailbox = ImapMailboxFactory(tenant=tenant, trusted_authserv_ids="imap-mx.provider.example")
    ticket = new_ticket()
    provider = dmarc_pass("pat@customer.example", host="mx.provider.example")
    imap_host = dmarc_pass("pat@customer.example", host="imap-mx.provider.example")

    # when
    to_billing = _ingest(tenant, _reply(ticket, to="billing@acme.example", authentication_results=[provider]))
    to_billing_platform = _ingest(tenant, _reply(ticket, to="billing@acme.example", authenticated=True))
    by_imap = _ingest(tenant, _reply(ticket, authentication_results=[imap_host]), InboundEmail.Source.IMAP, mailbox)
    by_imap_platform = _ingest(tenant, _reply(ticket, authenticated=True), InboundEmail.Source.IMAP, mailbox)
    MailSettingsFactory(tenant=tenant, trusted_authserv_ids="inbound.mailgun.example")
    by_http_platform = _ingest(tenant, _reply(ticket, authenticated=True))

    # then: each believes its own host only
    assert to_billing.outcome == Outcome.APPENDED and to_billing_platform.outcome == Outcome.HELD
    assert by_imap.outcome == Outcome.APPENDED and by_imap_platform.outcome == Outcome.HELD
    assert by_http_platform.outcome == Outcome.HELD


def test_unauthenticated_out_of_office_claiming_a_ticket_leaves_no_trace_on_it(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()

    # when
    inbound = _ingest(tenant, _reply(ticket, headers={"Auto-Submitted": "auto-replied"}))

    # then
    assert inbound.outcome == Outcome.IGNORED and "not authenticated" in inbound.reason
    with tenant_context(tenant):
        assert not TicketEvent.objects.filter(ticket=ticket, kind__in=["auto_reply_received", "email_held"]).exists()


def test_new_mail_without_authentication_still_opens_a_ticket(tenant, mail_desk):
    # when
    inbound = _ingest(tenant, build(subject="Brand new problem"))

    # then
    assert inbound.outcome == Outcome.NEW_TICKET and not inbound.authenticated


# --- the review screen ---------------------------------------------------------------------------------------------


@pytest.fixture
def held_mail(tenant, mail_desk, new_ticket):
    ticket = new_ticket()
    inbound = _ingest(tenant, _reply(ticket, body="Held words."))
    assert inbound.outcome == Outcome.HELD
    return {"ticket": ticket, "inbound": inbound}


def test_received_mail_log_lists_held_mail_with_a_filter_and_hides_it_from_other_tenants(
    tenant, other_tenant, held_mail, admin
):
    # given
    _ingest(tenant, build(subject="Unrelated new request"))
    ticket = held_mail["ticket"]
    globex_admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")

    # when
    everything = host_client(tenant, admin).get(LOG).content.decode()
    held = host_client(tenant, admin).get(f"{LOG}?outcome=held").content.decode()
    theirs = host_client(other_tenant, globex_admin).get(f"{LOG}?outcome=held").content.decode()

    # then
    assert "1 held for review" in everything and 'href="?outcome=held"' in everything
    assert f"Claims ACME-{ticket.number}" in held and "pat@customer.example" in held
    assert f"Re: [ACME-{ticket.number}] Printer on fire" in held and "Unrelated new request" not in held
    assert "not authenticated" in held and "Release into the conversation" in held and "Open as a new ticket" in held
    assert "Printer on fire" not in theirs and "held for review" not in theirs


def test_release_appends_as_the_customer_once_and_records_the_admin(tenant, held_mail, admin):
    # given
    ticket, inbound = held_mail["ticket"], held_mail["inbound"]
    client = host_client(tenant, admin)
    url = f"{LOG}{inbound.pk}/release/"

    # when: clicked twice
    first = client.post(url)
    second = client.post(url, follow=True)

    # then: one reply from the requester, released by the admin by hand
    assert first.status_code == 302 and second.status_code == 200
    assert "no longer held" in second.content.decode()
    with tenant_context(tenant):
        fresh = InboundEmail.objects.get(pk=inbound.pk)
        assert (fresh.outcome, fresh.ticket_id) == (Outcome.APPENDED, ticket.pk)
        assert "Released by hand" in fresh.reason
        messages = list(Message.objects.filter(ticket=ticket).order_by("created_at", "id"))
        assert len(messages) == 2 and messages[1].pk == fresh.message_id
        assert messages[1].author_contact.email == "pat@customer.example"
        assert messages[1].body_text == "Held words."
        [released] = TicketEvent.objects.filter(ticket=ticket, kind="email_released")
        assert released.actor_membership_id == admin.pk
        assert released.new_value == str(inbound.pk) and "by hand" in released.reason


def test_open_as_new_ticket_opens_one_once_and_leaves_the_claimed_ticket_alone(tenant, held_mail, admin):
    # given
    ticket, inbound = held_mail["ticket"], held_mail["inbound"]
    client = host_client(tenant, admin)
    url = f"{LOG}{inbound.pk}/open/"

    # when
    client.post(url)
    client.post(url)

    # then
    with tenant_context(tenant):
        fresh = InboundEmail.objects.get(pk=inbound.pk)
        assert fresh.outcome == Outcome.NEW_TICKET and fresh.ticket_id != ticket.pk
        assert Ticket.objects.count() == 2
        assert Message.objects.filter(ticket=ticket).count() == 1
        opened = Ticket.objects.select_related("contact").get(pk=fresh.ticket_id)
        assert opened.contact.email == "pat@customer.example"
        [event] = TicketEvent.objects.filter(kind="email_released")
        assert (event.ticket_id, event.actor_membership_id) == (opened.pk, admin.pk)
        assert f"it claimed ACME-{ticket.number}" in fresh.reason


def test_held_mail_actions_are_admin_only_and_another_tenants_held_mail_is_404(
    tenant, other_tenant, held_mail, agent, supervisor
):
    # given acme's held mail, which globex's admin can name by id
    inbound = held_mail["inbound"]
    globex_admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")

    # when
    from_globex = [
        host_client(other_tenant, globex_admin).post(f"{LOG}{inbound.pk}/{action}/") for action in ("release", "open")
    ]
    from_acme_staff = [
        host_client(tenant, member).post(f"{LOG}{inbound.pk}/{action}/")
        for member in (agent, supervisor)
        for action in ("release", "open")
    ]

    # then
    assert [r.status_code for r in from_globex] == [404, 404]
    assert [r.status_code for r in from_acme_staff] == [403, 403, 403, 403]
    with tenant_context(tenant):
        assert InboundEmail.objects.get(pk=inbound.pk).outcome == Outcome.HELD
        assert Ticket.objects.count() == 1


def test_release_is_refused_when_the_sender_is_no_longer_on_the_ticket(tenant, held_mail, admin):
    # given the requester changed since the mail was held
    ticket, inbound = held_mail["ticket"], held_mail["inbound"]
    with tenant_context(tenant):
        someone = Contact.objects.create(email="new-owner@customer.example", name="New")
        Ticket.objects.filter(pk=ticket.pk).update(contact=someone)

    # when
    response = host_client(tenant, admin).post(f"{LOG}{inbound.pk}/release/", follow=True)

    # then
    assert "open the mail as a new ticket instead" in response.content.decode()
    with tenant_context(tenant):
        assert InboundEmail.objects.get(pk=inbound.pk).outcome == Outcome.HELD
        assert Message.objects.filter(ticket=ticket).count() == 1


# --- the demo -----------------------------------------------------------------------------------------------------


def _demo_authserv_ids() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"MAIL_TRUSTED_AUTHSERV_IDS=(\S+)", makefile)
    assert match, "the demo (Makefile DEMO_ENV) configures a trusted authserv-id"
    return [match[1].lower()]


def test_demo_sample_mail_opens_a_ticket_and_its_reply_threads(tenant, mail_desk, settings):
    # given the demo's settings and its sample mails (docs/), as `make demo-email` feeds them
    settings.MAIL_TRUSTED_AUTHSERV_IDS = _demo_authserv_ids()
    sample = (ROOT / "docs" / "sample-email.eml").read_bytes()
    reply = (ROOT / "docs" / "sample-reply.eml").read_bytes()

    # when
    opened = _ingest(tenant, sample, InboundEmail.Source.COMMAND)
    with tenant_context(tenant):
        number = Ticket.objects.get(pk=opened.ticket_id).number
    threaded = _ingest(tenant, reply, InboundEmail.Source.COMMAND)
    # and a reply written by hand with the reference in the subject, carrying the sample's header
    folded = re.search(rb"^Authentication-Results: (.*(?:\r?\n[ \t].*)*)", sample, re.MULTILINE)[1].decode()
    header = " ".join(folded.split())
    by_subject = _ingest(
        tenant,
        build(
            sender="Chris Customer <customer@acme.example>",
            subject=f"Re: [ACME-{number}] The café printer",
            body="Still blank.",
            authentication_results=[header],
        ),
        InboundEmail.Source.COMMAND,
    )

    # then
    assert opened.outcome == Outcome.NEW_TICKET and opened.authenticated, opened.authentication
    assert (threaded.outcome, threaded.ticket_id) == (Outcome.APPENDED, opened.ticket_id), threaded.reason
    assert (by_subject.outcome, by_subject.ticket_id) == (Outcome.APPENDED, opened.ticket_id), by_subject.reason


# --- the overrides in the settings ---------------------------------------------------------------------------------


def test_admin_sets_the_trusted_receiving_host_per_address_endpoint_and_mailbox(tenant, other_tenant, mail_desk, admin):
    # given
    from tickets.models import ImapMailbox, MailSettings, SupportAddress

    client = host_client(tenant, admin)
    with tenant_context(tenant):
        address = SupportAddress.objects.get(email="support@acme.example")
    mailbox = ImapMailboxFactory(tenant=tenant)
    theirs = SupportAddressFactory(tenant=other_tenant, email="help@globex.example")
    page = client.get("/desk/settings/email/").content.decode()

    # when
    client.post(
        f"/desk/settings/email/authentication/addresses/{address.pk}/", {"trusted_authserv_ids": "MX.A.example"}
    )
    client.post("/desk/settings/email/authentication/", {"trusted_authserv_ids": "in.b.example, in2.b.example"})
    bad = client.post("/desk/settings/email/authentication/", {"trusted_authserv_ids": "not a host;"}, follow=True)
    cross = client.post(f"/desk/settings/email/authentication/addresses/{theirs.pk}/", {"trusted_authserv_ids": "x.y"})
    edit = {
        "host": "imap.example.com", "port": 993, "use_ssl": "on", "username": mailbox.username, "folder": "INBOX",
        "is_active": "on", "trusted_authserv_ids": "imap-mx.c.example",
    }  # fmt: skip
    saved = client.post(f"/desk/settings/email/imap/{mailbox.pk}/", edit)

    # then
    assert "Mail authentication" in page and "mx.tessera.test" in page
    assert "is not an authserv-id" in bad.content.decode()
    assert cross.status_code == 404 and saved.status_code == 302
    with tenant_context(tenant):
        assert SupportAddress.objects.get(pk=address.pk).trusted_authserv_ids == "mx.a.example"
        assert MailSettings.objects.get().trusted_authserv_ids == "in.b.example, in2.b.example"
        assert ImapMailbox.objects.get(pk=mailbox.pk).trusted_authserv_ids == "imap-mx.c.example"
    with tenant_context(other_tenant):
        assert SupportAddress.objects.get(pk=theirs.pk).trusted_authserv_ids == ""
