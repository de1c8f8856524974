"""The email intake end to end in the database: new tickets, threading, the sender check, loops, bounces,
duplicates, limits and tenant isolation, each from an .eml built in the test."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.conf import settings

from tenancy.context import tenant_context
from tests.tickets.factories import (
    ContactFactory,
    MailSettingsFactory,
    OutboundEmailFactory,
    QueueFactory,
    SupportAddressFactory,
    TicketParticipantFactory,
)
from tests.tickets.mail_samples import PDF, PNG, bounce, build, message_id, raw
from tickets import services
from tickets.lifecycle import Status
from tickets.mail import identity, intake
from tickets.mail.intake import ingest
from tickets.models import (
    Attachment,
    Channel,
    Contact,
    InboundEmail,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketParticipant,
)
from tickets.services import Automation

Outcome = InboundEmail.Outcome
HTTP = InboundEmail.Source.HTTP


@pytest.fixture
def mail_desk(tenant, desk):
    """acme with two support addresses (billing routes to its own queue) and a second tenant with a ticket."""
    billing = QueueFactory(tenant=tenant, name="Billing")
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    SupportAddressFactory(tenant=tenant, email="billing@acme.example", queue=billing)
    return {**desk, "billing": billing}


def _ingest(tenant, eml: bytes, source=HTTP) -> InboundEmail:
    with tenant_context(tenant):
        return ingest(eml, source=source)


def _ticket_count(tenant) -> int:
    with tenant_context(tenant):
        return Ticket.objects.count()


def _acks(tenant) -> list[OutboundEmail]:
    with tenant_context(tenant):
        return list(OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT))


# --- new tickets --------------------------------------------------------------------------------------------------


def test_ingest_new_mail_opens_a_ticket_with_cc_participants_attachments_and_an_acknowledgement(
    tenant, other_tenant, mail_desk
):
    # given
    msgid = message_id()
    eml = build(
        to="Acme Billing <billing@acme.example>",
        cc="Lee <lee@customer.example>, support@acme.example",
        subject="Invoice wrong",
        body="The invoice is wrong.\n\n-- \nPat Requester\nCustomer Ltd",
        msgid=msgid,
        attachments=[("invoice.pdf", PDF, "application/pdf"), ("shot.png", PNG, "image/png")],
    )

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET, inbound.reason
    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("contact", "queue").get(pk=inbound.ticket_id)
        assert ticket.subject == "Invoice wrong"
        assert ticket.channel == Channel.EMAIL
        assert ticket.contact == mail_desk["contact"]  # found by the From address
        assert ticket.queue == mail_desk["billing"]  # the queue of the address it was sent to
        message = Message.objects.get(pk=inbound.message_id)
        assert message.email_message_id == msgid.strip("<>")
        assert message.body_text == "The invoice is wrong."  # the signature is trimmed
        participants = set(TicketParticipant.objects.filter(ticket=ticket).values_list("contact__email", flat=True))
        assert participants == {"lee@customer.example"}  # never our own support address
        names = sorted(Attachment.objects.filter(message=message).values_list("filename", flat=True))
        assert names == ["invoice.pdf", "shot.png"]
        assert inbound.raw.read() == eml
        assert inbound.source == HTTP and inbound.from_address == "pat@customer.example"
    [ack] = _acks(tenant)
    assert ack.to_address == "pat@customer.example"  # only the sender, never the Cc
    assert ack.in_reply_to == msgid.strip("<>")
    # the other tenant saw nothing
    assert _ticket_count(other_tenant) == 0
    with tenant_context(other_tenant):
        assert not InboundEmail.objects.exists()


def test_ingest_new_contact_is_created_from_the_from_address_never_reply_to(tenant, mail_desk):
    # given
    eml = build(
        sender="Sam New <Sam@Elsewhere.example>",
        headers={"Reply-To": "victim@target.example"},
        subject="Hello",
    )

    # when
    inbound = _ingest(tenant, eml)

    # then
    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("contact").get(pk=inbound.ticket_id)
        assert (ticket.contact.email, ticket.contact.name) == ("sam@elsewhere.example", "Sam New")
        assert not Contact.objects.filter(email="victim@target.example").exists()
    assert [ack.to_address for ack in _acks(tenant)] == ["sam@elsewhere.example"]


def test_ingest_html_only_mail_is_sanitised_on_the_ticket(tenant, mail_desk):
    # given
    eml = raw(
        """From: pat@customer.example
To: support@acme.example
Subject: HTML only
Message-ID: <html-only-intake@customer.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>It <b>broke</b><script>alert(1)</script></p><img src="https://tracker.example/p.gif">
"""
    )

    # when
    inbound = _ingest(tenant, eml)

    # then
    with tenant_context(tenant):
        message = Message.objects.get(pk=inbound.message_id)
    assert message.body_html == "<p>It <b>broke</b></p>"
    assert message.body_text == "It broke"


@pytest.mark.parametrize(
    ("charset", "text"),
    [("iso-8859-1", "Le café est brûlé."), ("shift_jis", "プリンターが燃えています。")],
)
def test_ingest_bodies_in_other_charsets(tenant, mail_desk, charset, text):
    # given
    eml = (
        f"From: pat@customer.example\r\nTo: support@acme.example\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
        f"Message-ID: <{charset}@customer.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(text.encode(charset)).decode()}\r\n"
    ).encode()

    # when
    inbound = _ingest(tenant, eml)

    # then
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=inbound.ticket_id)
        first = ticket.messages.order_by("id").first()  # the ticket keeps no copy of it (issue 21)
    assert (ticket.subject, first.body_text) == ("Café", text)


def test_ingest_forwarded_mail_keeps_the_forwarded_part(tenant, mail_desk):
    # given
    body = (
        "Can you look at this?\n\n---------- Forwarded message ---------\nFrom: Lee <lee@customer.example>\n"
        "Date: Mon, 3 Mar 2025\nSubject: broken\n\n> The printer is broken since Monday."
    )

    # when
    inbound = _ingest(tenant, build(subject="Fwd: broken", body=body))

    # then
    with tenant_context(tenant):
        message = Message.objects.get(pk=inbound.message_id)
    assert "The printer is broken since Monday." in message.body_text


def test_ingest_auto_reply_opens_a_ticket_without_acknowledgement(tenant, mail_desk):
    # given
    eml = build(subject="Out of office", headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET
    assert _acks(tenant) == []


def test_ingest_out_of_office_reply_on_a_ticket_is_noted_and_does_not_reopen_it(tenant, mail_desk, new_ticket, agent):
    # given: the agent asked something and set the ticket pending; the requester's autoresponder answers
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Which model?", status=Status.PENDING)
    ours = _our_mail(tenant, ticket)
    robot = build(
        subject="Out of office",
        in_reply_to=f"<{ours.email_message_id}>",
        headers={"Auto-Submitted": "auto-replied"},
        authenticated=True,
    )
    stranger_robot = build(
        sender="robot@elsewhere.example", subject=f"Auto: [ACME-{ticket.number}]", headers={"Precedence": "bulk"}
    )

    # when
    noted = _ingest(tenant, robot)
    refused = _ingest(tenant, stranger_robot)

    # then
    assert (noted.outcome, noted.ticket_id) == (Outcome.IGNORED, ticket.pk)
    assert "Automatic reply" in noted.reason
    assert (refused.outcome, refused.ticket_id) == (Outcome.IGNORED, ticket.pk)
    with tenant_context(tenant):
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.status == Status.PENDING
        assert fresh.messages.count() == 2  # the request and the agent's question, nothing from the robots
        kinds = list(
            TicketEvent.objects.filter(ticket=ticket, actor_automation="email intake").values_list("kind", "new_value")
        )
        assert kinds == [("auto_reply_received", str(noted.pk)), ("email_refused", str(refused.pk))]
    assert _ticket_count(tenant) == 1
    assert _acks(tenant) == []


def test_ingest_refuses_attachment_types_it_does_not_accept_but_keeps_the_mail(tenant, mail_desk):
    # given
    eml = build(attachments=[("tool.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream")])

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET
    assert "Attachments not taken: tool.exe" in inbound.reason
    with tenant_context(tenant):
        assert not Attachment.objects.exists()


# --- threading --------------------------------------------------------------------------------------------------


def _our_mail(tenant, ticket) -> OutboundEmail:
    mid = identity.new_message_id(tenant)
    return OutboundEmailFactory(tenant=tenant, ticket=ticket, to_address=ticket.contact.email, email_message_id=mid)


def test_ingest_reply_threads_by_in_reply_to_our_message_id(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()
    ours = _our_mail(tenant, ticket)

    # when
    eml = build(
        subject="Re: something else", body="Thanks!", in_reply_to=f"<{ours.email_message_id}>", authenticated=True
    )
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.APPENDED, inbound.reason
    assert inbound.ticket_id == ticket.pk and "in-reply-to" in inbound.reason
    with tenant_context(tenant):
        message = Message.objects.get(pk=inbound.message_id)
        assert (message.author_contact_id, message.channel, message.body_text) == (
            mail_desk["contact"].pk,
            Channel.EMAIL,
            "Thanks!",
        )
        assert message.email_in_reply_to == ours.email_message_id
    assert _acks(tenant) == []  # replies are not acknowledged
    assert _ticket_count(tenant) == 1


def test_ingest_reply_threads_by_references_to_a_ticket_message(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket(email_message_id="first@customer.example")

    # when
    eml = build(subject="more", references="<unknown@x.example> <first@customer.example>", authenticated=True)
    inbound = _ingest(tenant, eml)

    # then
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.APPENDED, ticket.pk)


def test_ingest_reply_threads_by_signed_reply_address(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()
    address = identity.reply_address(tenant, ticket.number, "support@acme.example")
    forged = f"support+ACME-{ticket.number}-0000000000@acme.example"

    # when
    signed = _ingest(tenant, build(to=address, subject="no reference", authenticated=True))
    unsigned = _ingest(tenant, build(to=forged, subject="no reference", authenticated=True))

    # then
    assert (signed.outcome, signed.ticket_id) == (Outcome.APPENDED, ticket.pk)
    assert "reply address" in signed.reason
    assert unsigned.outcome == Outcome.NEW_TICKET


def test_ingest_reply_threads_by_subject_reference(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()

    # when
    eml = build(subject=f"Re: [ACME-{ticket.number}] Printer on fire", body="Still burning.", authenticated=True)
    inbound = _ingest(tenant, eml)

    # then
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.APPENDED, ticket.pk)
    assert "subject" in inbound.reason


def test_ingest_reply_threads_by_outlook_thread_index(tenant, mail_desk):
    # given: the first mail of an Outlook conversation, then a reply that lost In-Reply-To and References
    root = bytes(range(22))
    first = _ingest(tenant, build(subject="Laptop", headers={"Thread-Index": base64.b64encode(root).decode()}))
    reply_index = base64.b64encode(root + b"\x00\x01\x02\x03\x04").decode()

    # when
    reply = _ingest(tenant, build(subject="RE: Laptop", headers={"Thread-Index": reply_index}, authenticated=True))
    copied = _ingest(
        tenant, build(sender="mallory@evil.example", subject="RE: Laptop", headers={"Thread-Index": reply_index})
    )

    # then
    assert (reply.outcome, reply.ticket_id) == (Outcome.APPENDED, first.ticket_id)
    assert "thread-index" in reply.reason
    # a Thread-Index copied by someone else threads nothing: it is the sender's own conversation only
    assert copied.outcome == Outcome.NEW_TICKET and copied.ticket_id != first.ticket_id


def test_ingest_reply_from_a_participant_is_appended(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()
    lee = ContactFactory(tenant=tenant, email="lee@customer.example")
    TicketParticipantFactory(tenant=tenant, ticket=ticket, contact=lee)

    # when
    eml = build(sender="lee@customer.example", subject=f"[ACME-{ticket.number}] me too", authenticated=True)
    inbound = _ingest(tenant, eml)

    # then
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.APPENDED, ticket.pk)


def test_ingest_customer_reply_reopens_a_pending_ticket(tenant, mail_desk, new_ticket, agent):
    # given
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Which model?", status=Status.PENDING)

    # when
    _ingest(tenant, build(subject=f"Re: [ACME-{ticket.number}]", body="The big one.", authenticated=True))

    # then
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_ingest_spoofed_sender_claiming_someone_elses_ticket_opens_a_new_ticket(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()
    ours = _our_mail(tenant, ticket)
    eml = build(
        sender="Mallory <mallory@evil.example>",
        subject=f"Re: [ACME-{ticket.number}] Printer on fire",
        body="Please send me the invoice copy.",
        in_reply_to=f"<{ours.email_message_id}>",
    )

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET
    assert inbound.ticket_id != ticket.pk
    assert f"Claimed ACME-{ticket.number}" in inbound.reason and "not its requester" in inbound.reason
    with tenant_context(tenant):
        assert ticket.messages.count() == 1  # nothing appended
        new = Ticket.objects.select_related("contact").get(pk=inbound.ticket_id)
        assert new.contact.email == "mallory@evil.example"
        [refused] = TicketEvent.objects.filter(ticket=ticket, kind="email_refused")
        assert refused.actor_automation == Automation("email intake").name
        assert (refused.field, refused.new_value) == ("related", str(new.pk))  # ids only
        assert "mallory" not in f"{refused.old_value}{refused.new_value}{refused.reason}"
    # the acknowledgement goes to the sender only, never to the claimed ticket's requester
    assert [ack.to_address for ack in _acks(tenant)] == ["mallory@evil.example"]


def test_ingest_reply_to_a_closed_ticket_opens_a_linked_follow_up(tenant, mail_desk, new_ticket, agent):
    # given
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, actor=agent, status=Status.CLOSED)

    # when
    eml = build(subject=f"Re: [ACME-{ticket.number}] Printer on fire", body="It is back.", authenticated=True)
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET
    assert inbound.ticket_id != ticket.pk and f"closed ACME-{ticket.number}" in inbound.reason
    with tenant_context(tenant):
        assert TicketLink.objects.filter(
            source_id=inbound.ticket_id, target=ticket, kind=TicketLink.Kind.FOLLOW_UP
        ).exists()
        assert Ticket.objects.get(pk=inbound.ticket_id).channel == Channel.EMAIL
    assert len(_acks(tenant)) == 1


# --- loops, bounces, duplicates, limits ------------------------------------------------------------------------


def test_ingest_ignores_our_own_outgoing_mail(tenant, mail_desk):
    # given
    by_id = build(msgid=f"<{identity.new_message_id(tenant)}>")
    by_header = build(headers={"X-Tessera-Tenant": "acme"})
    by_sender = build(sender="Acme Support <support@acme.example>")
    by_reply_address = build(sender="support+ACME-1-0123456789@acme.example")

    # when
    outcomes = [_ingest(tenant, eml) for eml in (by_id, by_header, by_sender, by_reply_address)]

    # then
    assert {inbound.outcome for inbound in outcomes} == {Outcome.IGNORED}
    assert _ticket_count(tenant) == 0
    assert _acks(tenant) == []


def test_ingest_bounce_is_recorded_on_the_ticket_and_opens_none(tenant, mail_desk, new_ticket):
    # given
    ticket = new_ticket()
    ours = _our_mail(tenant, ticket)

    # when
    inbound = _ingest(tenant, bounce(original_id=ours.email_message_id, status="5.1.1"))
    unknown = _ingest(tenant, bounce(original_id="someone-else@x.example"))

    # then
    assert (inbound.outcome, inbound.ticket_id) == (Outcome.BOUNCE, ticket.pk)
    assert (unknown.outcome, unknown.ticket_id) == (Outcome.BOUNCE, None)
    assert _ticket_count(tenant) == 1
    with tenant_context(tenant):
        [event] = TicketEvent.objects.filter(ticket=ticket, kind="email_bounced")
        assert (event.field, event.new_value, event.reason) == (
            "outbound_email",
            str(ours.pk),
            "delivery failed (status 5.1.1)",
        )
        assert ticket.messages.count() == 1
    assert _acks(tenant) == []


def test_ingest_malformed_message_is_kept_and_flagged(tenant, mail_desk):
    # given
    eml = b"Subject: \xff\xfe broken\r\nContent-Type: multipart/mixed; boundary=x\r\nno separator \x00 here"

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.FAILED
    assert inbound.is_malformed and "no valid From address" in inbound.defects
    assert inbound.raw.read() == eml
    assert _ticket_count(tenant) == 0


def test_ingest_the_same_message_twice_is_taken_once(tenant, mail_desk):
    # given
    eml = build(msgid="<once@customer.example>")

    # when
    first = _ingest(tenant, eml)
    second = _ingest(tenant, eml)

    # then
    assert second.pk == first.pk and second.outcome == Outcome.NEW_TICKET
    assert _ticket_count(tenant) == 1
    assert len(_acks(tenant)) == 1


def test_ingest_one_message_to_two_support_addresses_makes_one_ticket(tenant, mail_desk):
    # given: the MTA delivers one copy per address, both with the same Message-ID
    eml = build(to="support@acme.example", cc="billing@acme.example", msgid="<both@customer.example>")

    # when
    first = _ingest(tenant, eml)
    second = _ingest(tenant, eml, source=InboundEmail.Source.COMMAND)

    # then
    assert first.pk == second.pk
    assert _ticket_count(tenant) == 1
    with tenant_context(tenant):
        assert not TicketParticipant.objects.exists()
        assert InboundEmail.objects.count() == 1


def test_ingest_caps_new_tickets_per_sender_per_hour(tenant, mail_desk):
    # given
    MailSettingsFactory(tenant=tenant, new_tickets_per_sender_per_hour=2)
    for _ in range(2):
        assert _ingest(tenant, build()).outcome == Outcome.NEW_TICKET

    # when
    over = _ingest(tenant, build())
    someone_else = _ingest(tenant, build(sender="lee@customer.example"))

    # then
    assert over.outcome == Outcome.RATE_LIMITED and over.ticket_id is None
    assert over.raw.read()  # kept
    assert someone_else.outcome == Outcome.NEW_TICKET
    assert _ticket_count(tenant) == 3


def test_ingest_never_touches_another_tenant(tenant, other_tenant, mail_desk):
    # given: globex has a ticket numbered 1 from the same person, and mail of its own
    SupportAddressFactory(tenant=other_tenant, email="help@globex.example")
    globex_pat = ContactFactory(tenant=other_tenant, email="pat@customer.example")
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, name="Globex", is_default=True)
        theirs = services.create_ticket(
            actor=globex_pat, contact=globex_pat, subject="Globex", body="x", email_message_id="g1@customer.example"
        )
    their_mail = _our_mail(other_tenant, theirs)
    eml = build(
        subject=f"Re: [GLX-{theirs.number}] [ACME-{theirs.number}]",
        in_reply_to=f"<{their_mail.email_message_id}>",
        references="<g1@customer.example>",
        msgid="<g1@customer.example>",  # even the same Message-ID is another tenant's business
    )

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=inbound.ticket_id).number == 1
    with tenant_context(other_tenant):
        assert Message.objects.filter(ticket=theirs).count() == 1
        assert not TicketEvent.objects.filter(ticket=theirs).exclude(kind="created").exists()
        assert not InboundEmail.objects.exists()


def test_ingest_two_deliveries_racing_keep_the_first_and_leave_no_orphan_file(tenant, mail_desk, monkeypatch):
    # given: the first delivery is stored; the second one's check ran before that commit (it saw nothing)
    eml = build(msgid="<race@customer.example>")
    first = _ingest(tenant, eml)
    folder = Path(settings.MEDIA_ROOT) / "tenants" / str(tenant.pk) / "inboundemail"
    files_before = sorted(folder.iterdir())
    monkeypatch.setattr(intake, "already_received", lambda message_id, digest="": None)

    # when: its insert then hits the unique constraint
    second = _ingest(tenant, eml)

    # then
    assert second.pk == first.pk
    assert _ticket_count(tenant) == 1
    assert sorted(folder.iterdir()) == files_before


def test_ingest_mail_with_only_an_attachment_still_opens_a_ticket(tenant, mail_desk):
    # given
    eml = build(subject="", body="", attachments=[("scan.pdf", PDF, "application/pdf")])

    # when
    inbound = _ingest(tenant, eml)

    # then
    assert inbound.outcome == Outcome.NEW_TICKET, inbound.reason
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=inbound.ticket_id)
        first = ticket.messages.order_by("id").first()
        assert (ticket.subject, first.body_text) == ("(no subject)", "(The email had no text.)")
        assert ticket.attachments.get().filename == "scan.pdf"
