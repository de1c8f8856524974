"""Issue 19 in the database: a fallback sender never joins a conversation, names arrive late, a reused Message-ID
is a message of its own, attached mails are taken, history is imported without mail or caps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory, MailSettingsFactory, SupportAddressFactory
from tests.tickets.mail_samples import build, raw
from tickets.mail import identity
from tickets.mail.intake import ingest, what_happened
from tickets.models import Attachment, Contact, InboundEmail, Message, OutboundEmail, Ticket, TicketParticipant

Outcome = InboundEmail.Outcome
HTTP = InboundEmail.Source.HTTP
EML = Path(__file__).parent / "eml"


@pytest.fixture
def mail_desk(tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    return desk


def _ingest(tenant, eml: bytes, source=HTTP) -> InboundEmail:
    with tenant_context(tenant):
        return ingest(eml, source=source)


def _acks(tenant) -> list[OutboundEmail]:
    with tenant_context(tenant):
        return list(OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT))


# --- class 1: fallback senders ---------------------------------------------------------------------------------


def test_ingest_reply_to_fallback_opens_a_new_ticket_without_acknowledgement(tenant, mail_desk):
    # when
    inbound = _ingest(tenant, (EML / "sender/unusable-from-reply-to.eml").read_bytes())

    # then
    assert inbound.outcome == Outcome.NEW_TICKET, inbound.reason
    assert "Reply-To" in inbound.defects and "reply-to address, unacknowledged" in inbound.reason
    assert not inbound.authenticated and "taken from reply-to" in inbound.authentication
    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("contact").get(pk=inbound.ticket_id)
        assert (ticket.contact.email, ticket.contact.name) == ("jo@customer.example", "Jo Réply")
    assert _acks(tenant) == []  # no backscatter to an unproven Reply-To


def test_ingest_fallback_sender_never_joins_the_conversation_it_claims(tenant, mail_desk, new_ticket):
    # given: pat's ticket, and a mail with no usable From whose Sender is pat, replying to it, with a pass
    # for pat's domain from the trusted host
    ticket = new_ticket(email_message_id="first@customer.example")
    eml = raw(
        "Authentication-Results: mx.tessera.test; dmarc=pass header.from=customer.example\n"
        "From: <>\nSender: Pat Requester <pat@customer.example>\nTo: support@acme.example\n"
        f"Subject: Re: [ACME-{ticket.number}] Printer\nIn-Reply-To: <first@customer.example>\n"
        "Message-ID: <fallback-claim@customer.example>\n\nLet me in.\n"
    )

    # when
    inbound = _ingest(tenant, eml)

    # then: a new ticket at most; nothing added to (or held on) pat's
    assert inbound.outcome == Outcome.NEW_TICKET and inbound.ticket_id != ticket.pk
    assert not inbound.authenticated
    with tenant_context(tenant):
        assert Message.objects.filter(ticket=ticket).count() == 1
    assert _acks(tenant) == []


def test_ingest_first_valid_of_two_froms_claiming_a_ticket_is_held_not_added(tenant, mail_desk, new_ticket):
    # given: a junk From above pat's, with a DMARC pass for pat's domain
    ticket = new_ticket(email_message_id="first@customer.example")
    eml = raw(
        "Authentication-Results: mx.tessera.test; dmarc=pass header.from=customer.example\n"
        "From: undisclosed-sender\nFrom: Pat Requester <pat@customer.example>\nTo: support@acme.example\n"
        "Subject: Re: Printer\nIn-Reply-To: <first@customer.example>\nMessage-ID: <two-froms@customer.example>\n"
        "\nStill on fire.\n"
    )

    # when
    inbound = _ingest(tenant, eml)

    # then: read as pat's, but two Froms are never authenticated, so the reply waits for review
    assert inbound.from_address == "pat@customer.example"
    assert (inbound.outcome, inbound.ticket_id, inbound.authenticated) == (Outcome.HELD, ticket.pk, False)


# --- class 5: names, outcomes, reused Message-IDs --------------------------------------------------------------


def test_ingest_contact_first_seen_in_cc_gets_its_name_from_a_later_from(tenant, mail_desk):
    # given: lee was copied without a name; sam has a name an agent gave
    _ingest(tenant, build(cc="lee@customer.example, sam@customer.example"))
    with tenant_context(tenant):
        assert Contact.objects.get(email="lee@customer.example").name == ""
        Contact.objects.filter(email="sam@customer.example").update(name="Sam (billing)")

    # when
    _ingest(tenant, build(sender="Lee Participant <lee@customer.example>", subject="Another"))
    _ingest(tenant, build(sender="Samuel <sam@customer.example>", subject="And another"))

    # then
    with tenant_context(tenant):
        assert Contact.objects.get(email="lee@customer.example").name == "Lee Participant"
        assert Contact.objects.get(email="sam@customer.example").name == "Sam (billing)"


def test_ingest_same_message_id_with_other_content_is_a_new_message(tenant, mail_desk):
    # given
    first = _ingest(tenant, build(msgid="<reused@broken.example>", subject="First", body="One."))

    # when: a broken mailer gives another message the same id
    second = _ingest(tenant, build(msgid="<reused@broken.example>", subject="Second", body="Two."))

    # then
    assert second.pk != first.pk and what_happened(second) == "new"
    assert "Message-ID already used by email" in second.defects and second.is_malformed
    with tenant_context(tenant):
        assert Ticket.objects.count() == 2
        assert InboundEmail.objects.filter(email_message_id="reused@broken.example").count() == 2
        assert Message.objects.get(pk=second.message_id).email_message_id == ""  # the first keeps the id


def test_ingest_same_message_delivered_twice_with_other_transport_headers_is_a_duplicate(tenant, mail_desk):
    # given: one message, delivered to two addresses (each copy with its own Delivered-To and Received)
    eml = build(msgid="<twice@customer.example>", cc="billing@acme.example")
    first = _ingest(tenant, b"Delivered-To: support@acme.example\r\nReceived: from a by b; today\r\n" + eml)

    # when
    second = _ingest(tenant, b"Delivered-To: billing@acme.example\r\nReceived: from a by c; today\r\n" + eml)

    # then
    assert second.pk == first.pk
    assert (what_happened(first), what_happened(second)) == ("new", "duplicate")
    with tenant_context(tenant):
        assert Ticket.objects.count() == 1


def test_ingest_mail_stored_before_digests_still_matches_on_its_message_id(tenant, mail_desk):
    # given: a row from before the migration (no digest)
    first = _ingest(tenant, build(msgid="<legacy@customer.example>"))
    with tenant_context(tenant):
        InboundEmail.objects.filter(pk=first.pk).update(content_digest="")

    # when
    again = _ingest(tenant, build(msgid="<legacy@customer.example>", body="Re-sent with a new body."))

    # then
    assert again.pk == first.pk and what_happened(again) == "duplicate"


# --- class 6: attachments --------------------------------------------------------------------------------------


def test_ingest_attached_mail_with_8bit_content_is_taken_as_an_email(tenant, mail_desk):
    # given: a tenant that accepts mail attachments only
    tenant.allowed_attachment_kinds = ["email"]
    tenant.save(update_fields=["allowed_attachment_kinds"])

    # when
    inbound = _ingest(tenant, (EML / "attachments/forwarded-mail-8bit.eml").read_bytes())

    # then
    assert inbound.outcome == Outcome.NEW_TICKET and "not taken" not in inbound.reason, inbound.reason
    with tenant_context(tenant):
        attachment = Attachment.objects.get(ticket_id=inbound.ticket_id)
        assert (attachment.filename, attachment.content_type) == (
            "Beschwerde_ Lieferung 3_2026 fehlt.eml",
            "message/rfc822",
        )


def test_ingest_inline_images_keep_their_names(tenant, mail_desk):
    # when
    inbound = _ingest(tenant, (EML / "attachments/inline-images.eml").read_bytes())

    # then
    with tenant_context(tenant):
        names = list(
            Attachment.objects.filter(ticket_id=inbound.ticket_id).order_by("id").values_list("filename", flat=True)
        )
    assert names == ["image001.png", "inline-2.jpg", "image002.png"]


def test_ingest_copied_contacts_are_never_participants_of_another_tenant(tenant, other_tenant, mail_desk):
    # given: globex knows lee without a name
    ContactFactory(tenant=other_tenant, email="lee@customer.example", name="")

    # when
    _ingest(tenant, build(sender="Lee Participant <lee@customer.example>"))

    # then: acme's lee is named, globex's untouched
    with tenant_context(other_tenant):
        assert Contact.objects.get(email="lee@customer.example").name == ""
        assert not TicketParticipant.objects.exists()


def test_ingest_history_import_sends_nothing_trips_no_cap_and_keeps_the_date(tenant, mail_desk):
    # given: a cap of one new ticket per hour, and three old mails from pat
    MailSettingsFactory(tenant=tenant, new_tickets_per_sender_per_hour=1)
    old = [
        build(subject=f"Old {n}", headers={"X-Order": str(n)}).replace(
            b"Date: ", b"Date: Mon, 03 Mar 2025 10:0" + str(n).encode() + b":00 +0000\r\nX-Old-Date: ", 1
        )
        for n in range(3)
    ]

    # when
    imported = [_ingest(tenant, eml, source=InboundEmail.Source.IMPORT) for eml in old]
    live = _ingest(tenant, build(subject="Today"))

    # then
    assert [i.outcome for i in imported] == [Outcome.NEW_TICKET] * 3
    assert live.outcome == Outcome.NEW_TICKET  # the history did not use up pat's hour
    assert [a.ticket_id for a in _acks(tenant)] == [live.ticket_id]  # only the live mail is acknowledged
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=imported[1].ticket_id)
        assert ticket.created_at.isoformat() == "2025-03-03T10:01:00+00:00"


# --- an agent answering from their own mail client -------------------------------------------------------------


def test_ingest_agents_own_mail_to_the_reply_address_is_an_internal_note(tenant, mail_desk, new_ticket, agent):
    # given
    ticket = new_ticket()
    address = identity.reply_address(tenant, ticket.number, "support@acme.example")
    eml = build(sender="Agent <agent@acme.example>", to=address, subject="Re: Printer", body="Called them.")

    # when
    note = _ingest(tenant, build(**{**_AGENT, "to": address}, authenticated=True))
    unauthenticated = _ingest(tenant, eml)
    by_subject = _ingest(tenant, build(**_AGENT, subject=f"Re: [{ticket.reference}] x", authenticated=True))

    # then: only the authenticated mail to the signed reply address is a note, by the agent
    assert note.outcome == Outcome.APPENDED and "Internal note by agent@acme.example" in note.reason
    with tenant_context(tenant):
        message = Message.objects.get(pk=note.message_id)
        assert (message.kind, message.channel, message.author_membership_id) == ("note", "email", agent.pk)
        assert message.body_text == "Called them."
        assert list(Message.objects.filter(ticket=ticket).values_list("kind", flat=True).order_by("id")) == [
            "reply",
            "note",
        ]
        assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()  # nothing to the customer
    assert unauthenticated.ticket_id != ticket.pk and by_subject.ticket_id != ticket.pk


def test_ingest_another_tenants_agent_is_no_member_here(tenant, other_tenant, mail_desk, new_ticket, other_agent):
    # given: globex's agent writes, authenticated, to acme's signed reply address
    ticket = new_ticket()
    address = identity.reply_address(tenant, ticket.number, "support@acme.example")

    # when
    inbound = _ingest(tenant, build(sender="agent@globex.example", to=address, body="x", authenticated=True))

    # then
    assert inbound.ticket_id != ticket.pk and "Internal note" not in inbound.reason
    with tenant_context(tenant):
        assert not Message.objects.filter(ticket=ticket, kind="note").exists()


_AGENT = {"sender": "Agent <agent@acme.example>", "body": "Called them."}
