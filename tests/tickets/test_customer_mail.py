"""Mail to customers: composed from the tenant's templates, threaded, sent once through the outbox, retried,
failures visible, never to anyone but the ticket's contact or a known address."""

from __future__ import annotations

import re
import socket

import pytest
from celery import current_app
from django.core import mail

from tenancy.context import tenant_context
from tenancy.models import PendingTask
from tests.conftest import host_client
from tests.tickets.factories import ContactFactory, EmailTemplateFactory, SupportAddressFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.mail import identity
from tickets.models import Message, OutboundEmail
from tickets.services import ServiceError, customer_mail
from tickets.tasks import send_outbound_email_task

pytestmark = pytest.mark.django_db

Kind = OutboundEmail.Kind


@pytest.fixture
def support(tenant):
    return SupportAddressFactory(tenant=tenant, email="support@acme.example", name="Acme Help", is_default=True)


def _sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def _closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once, like a mail server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Each kind, composed and threaded ----------------------------------------------------------------------------


def test_acknowledgement_threads_on_the_opening_mail_and_says_it_is_automatic(
    tenant, desk, support, new_ticket, django_capture_on_commit_callbacks
):
    # given a ticket opened by a mail
    ticket = new_ticket(subject="Printer on fire", email_message_id="first@customer.example")
    mail.outbox.clear()
    # when the intake acknowledges it and the transaction commits
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        outbound = customer_mail.send_acknowledgement(ticket=ticket, in_reply_to="<first@customer.example>")
    # then one mail goes to the requester, threaded on theirs, automatic, from the tenant's support address
    [sent] = _sent_to("pat@customer.example")
    headers = sent.message()
    assert sent.subject == f"[{ticket.reference}] We received your request: Printer on fire"
    assert headers["In-Reply-To"] == "<first@customer.example>"
    assert headers["References"] == "<first@customer.example>"
    assert headers["Message-ID"] == f"<{outbound.email_message_id}>"
    assert identity.is_our_message_id(headers["Message-ID"])
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["X-Tessera-Tenant"] == "acme"
    assert headers["From"] == "Acme Help <support@acme.example>"
    assert identity.ticket_number_from_reply_address(tenant, headers["Reply-To"]) == ticket.number
    assert f"http://acme.localhost/requests/{ticket.number}/" in sent.body
    assert sent.alternatives and "Printer on fire" in sent.alternatives[0][0]
    with tenant_context(tenant):
        outbound.refresh_from_db()
        assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.SENT, 1)
        assert PendingTask.objects.get(task_name="tickets.send_outbound_email").done_at is not None


def test_agent_reply_threads_on_the_customers_last_mail_and_stamps_its_message(
    tenant, agent, desk, support, new_ticket, django_capture_on_commit_callbacks
):
    # given a ticket opened by mail, and a later customer mail on it
    ticket = new_ticket(email_message_id="first@customer.example")
    with tenant_context(tenant):
        services.reply(
            ticket=ticket, actor=desk["contact"], body="Any news?", email_message_id="second@customer.example"
        )
    mail.outbox.clear()
    # when an agent replies with two paragraphs
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(ticket=ticket, actor=agent, body="Hello Pat,\n\nIt is fixed.\nCheers")
    # then the mail answers the customer's last mail, carries the whole thread, keeps the paragraphs
    [sent] = _sent_to("pat@customer.example")
    headers = sent.message()
    assert sent.subject == f"[{ticket.reference}] Re: Printer on fire"
    assert headers["In-Reply-To"] == "<second@customer.example>"
    assert headers["References"] == "<first@customer.example> <second@customer.example>"
    assert "Auto-Submitted" not in headers  # a person wrote it
    assert sent.body.startswith("Hello Pat,\n\nIt is fixed.\nCheers\n\n-- \n")
    html = sent.alternatives[0][0]
    assert "<div><p>Hello Pat,</p>" in html and "<p><p>" not in html
    assert f'<a href="http://acme.localhost/requests/{ticket.number}/">' in html
    # and the intake can thread the customer's answer on our Message-ID
    with tenant_context(tenant):
        message.refresh_from_db()
        assert headers["Message-ID"] == f"<{message.email_message_id}>"
        assert OutboundEmail.objects.get(message=message).status == OutboundEmail.Status.SENT


def test_internal_notes_and_customer_replies_mail_nobody(tenant, agent, desk, support, new_ticket):
    # given a ticket
    ticket = new_ticket()
    # when an agent adds a note and the customer replies
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=agent, body="internal only")
        services.reply(ticket=ticket, actor=desk["contact"], body="more details")
        # then no mail is written
        assert not OutboundEmail.objects.exists()


def test_status_mails_only_for_what_the_customer_should_know(
    tenant, agent, desk, support, new_ticket, django_capture_on_commit_callbacks
):
    # given a ticket
    ticket = new_ticket()
    mail.outbox.clear()
    # when an agent opens it, sets it pending, puts it on hold, and resolves it
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        for status in (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED):
            services.change_status(ticket=ticket, status=status, actor=agent)
    # then "open" is quiet, the others are mailed with the status in plain words
    subjects = [m.subject for m in _sent_to("pat@customer.example")]
    assert subjects == [
        f"[{ticket.reference}] Waiting for you: Printer on fire",
        f"[{ticket.reference}] On hold: Printer on fire",
        f"[{ticket.reference}] Resolved: Printer on fire",
    ]
    resolved = _sent_to("pat@customer.example")[-1]
    assert "We need something from you" in _sent_to("pat@customer.example")[0].body
    # and the resolution asks for a rating with a link on the tenant's own host
    link = re.search(r"http://acme\.localhost(/rate/\S+/)", resolved.body).group(1)
    html = resolved.alternatives[0][0]
    assert all(f'href="http://acme.localhost{link}?score={score}"' in html for score in range(1, 6))
    # and the one-click link opens the rating page for this ticket
    assert ticket.subject in host_client(tenant).get(link).text
    with tenant_context(tenant):
        kinds = list(OutboundEmail.objects.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [Kind.STATUS, Kind.STATUS, Kind.RESOLVED]


def test_reply_and_resolve_sends_the_reply_and_the_rating_request(tenant, agent, desk, support, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Done.", status=Status.RESOLVED)
        kinds = sorted(OutboundEmail.objects.values_list("kind", flat=True))
    assert kinds == sorted([Kind.REPLY, Kind.RESOLVED])


def test_replayed_history_and_contacts_without_email_get_no_mail(tenant, agent, desk, support, new_ticket):
    from datetime import timedelta

    from tickets import clock

    phone_only = ContactFactory(tenant=tenant, email=None, phone="+44 20 7946 0000")
    ticket = new_ticket()
    phone_ticket = new_ticket(contact=phone_only)
    with tenant_context(tenant):
        with clock.replaying(clock.now() - timedelta(days=3)):
            services.reply(ticket=ticket, actor=agent, body="long ago")
            assert customer_mail.send_acknowledgement(ticket=ticket) is None
        services.reply(ticket=phone_ticket, actor=agent, body="We called you back.")
        services.change_status(ticket=phone_ticket, status=Status.RESOLVED, actor=agent)
        assert not OutboundEmail.objects.exists()


# --- Templates ---------------------------------------------------------------------------------------------------


def test_tenant_template_is_used_and_hostile_names_stay_inert(
    tenant, desk, support, new_ticket, django_capture_on_commit_callbacks
):
    # given a tenant wording with placeholders and a contact whose name is markup and template code
    EmailTemplateFactory(
        tenant=tenant,
        kind=Kind.ACKNOWLEDGEMENT,
        subject="Got it, {{ contact.name }}",
        body_text="Dear {{ contact.name }}, thanks. {{ unknown.thing }}",
        body_html="<p>Dear <b>{{ contact.name }}</b></p>",
    )
    hostile = ContactFactory(
        tenant=tenant, email="mallory@evil.example", name="<script>alert(1)</script> {{ settings.SECRET_KEY }}"
    )
    ticket = new_ticket(contact=hostile)
    mail.outbox.clear()
    # when the acknowledgement is sent
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        customer_mail.send_acknowledgement(ticket=ticket)
    # then the name is text: no script in the HTML, no secret anywhere, placeholders not re-read
    [sent] = _sent_to("mallory@evil.example")
    html = sent.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{{ settings.SECRET_KEY }}" in sent.body and "tests-only-secret-key" not in sent.body + html
    assert sent.subject.startswith(f"[{ticket.reference}] Got it, <script>")
    assert "{{ unknown.thing }}" in sent.body


# --- The task: once, retried, failed visibly ----------------------------------------------------------------------


def test_task_sends_a_row_once(tenant, agent, desk, support, new_ticket, django_capture_on_commit_callbacks):
    ticket = new_ticket()
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(ticket=ticket, actor=agent, body="Hello")
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.get(message=message)
    mail.outbox.clear()
    # when the outbox delivers the task again
    result = send_outbound_email_task.delay(tenant_id=tenant.pk, outbound_id=outbound.pk).get()
    # then nothing more is sent
    assert result is False
    assert mail.outbox == []


def test_smtp_failure_is_retried_then_failed_and_shown_on_the_ticket(
    tenant, agent, desk, support, new_ticket, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # given a mail server that refuses connections (and eager tasks that run their retries, as a worker would)
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    ticket = new_ticket()
    # when an agent replies and the task runs (eager: its retries run at once)
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(ticket=ticket, actor=agent, body="Hello")
    # then every attempt was made and recorded, and the row ended FAILED with the error
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.get(message=message)
    assert outbound.status == OutboundEmail.Status.FAILED
    assert outbound.attempts == customer_mail.MAX_SEND_ATTEMPTS == send_outbound_email_task.max_retries + 1
    assert "ConnectionRefusedError" in outbound.last_error
    # and a later redelivery of the task leaves the failed row alone
    assert send_outbound_email_task.delay(tenant_id=tenant.pk, outbound_id=outbound.pk).get() is False
    # and the agent sees it on the reply
    page = host_client(tenant, agent).get(f"/desk/tickets/{ticket.number}/").text
    assert "Mail failed" in page and "ConnectionRefusedError" in page


def test_attempts_are_counted_on_the_row_whichever_delivery_made_them(
    tenant, agent, desk, support, new_ticket, settings
):
    # given a mail already tried six times (by earlier deliveries of its task) and a mail server still down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    ticket = new_ticket()
    with tenant_context(tenant):
        outbound = customer_mail.send_acknowledgement(ticket=ticket)
        OutboundEmail.objects.filter(pk=outbound.pk).update(attempts=customer_mail.MAX_SEND_ATTEMPTS - 1)
    # when the outbox redelivers the task (a fresh Celery retry count)
    result = send_outbound_email_task.delay(tenant_id=tenant.pk, outbound_id=outbound.pk).get()
    # then that was the last attempt: the row is FAILED, not retried again
    assert result is False
    with tenant_context(tenant):
        outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.FAILED, customer_mail.MAX_SEND_ATTEMPTS)


def test_failed_mail_can_be_sent_again(tenant, agent, desk, support, new_ticket, django_capture_on_commit_callbacks):
    ticket = new_ticket()
    with tenant_context(tenant):
        message = services.reply(ticket=ticket, actor=agent, body="Hello")
        outbound = OutboundEmail.objects.get(message=message)
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=OutboundEmail.Status.FAILED, last_error="x", attempts=customer_mail.MAX_SEND_ATTEMPTS
        )
        outbound.refresh_from_db()
    mail.outbox.clear()
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        customer_mail.retry_outbound_email(outbound=outbound)
    assert len(_sent_to("pat@customer.example")) == 1
    with tenant_context(tenant):
        outbound.refresh_from_db()
        assert outbound.status == OutboundEmail.Status.SENT and outbound.last_error == ""
        assert outbound.attempts == 1  # a fresh set of attempts


# --- Anti-relay ---------------------------------------------------------------------------------------------------


def test_ticket_mail_goes_only_to_the_contact(tenant, agent, desk, support, new_ticket):
    # given a ticket with someone copied on it
    ticket = new_ticket()
    copied = ContactFactory(tenant=tenant, email="cc@customer.example")
    with tenant_context(tenant):
        services.add_participant(ticket=ticket, contact=copied, actor=agent)
        services.reply(ticket=ticket, actor=agent, body="Hello")
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        customer_mail.send_acknowledgement(ticket=ticket)
        # then every mail is addressed to the requester alone
        assert set(OutboundEmail.objects.values_list("to_address", flat=True)) == {"pat@customer.example"}


def test_acknowledgements_are_capped_per_recipient_and_hour(tenant, desk, support, new_ticket):
    tickets = [new_ticket(subject=f"Spam {n}") for n in range(customer_mail.MAILS_PER_RECIPIENT_PER_HOUR + 2)]
    with tenant_context(tenant):
        results = [customer_mail.send_acknowledgement(ticket=t) for t in tickets]
        # then the first five go out and the rest are suppressed
        assert [r is not None for r in results] == [True] * 5 + [False] * 2
        assert OutboundEmail.objects.filter(kind=Kind.ACKNOWLEDGEMENT).count() == 5


def test_sign_in_link_only_to_known_addresses_and_capped(tenant, other_tenant, desk, support, customer):
    link = "http://acme.localhost/sign-in/abc/"
    ContactFactory(tenant=other_tenant, email="globex-only@example.net")
    with tenant_context(tenant):
        # a stranger, or a contact of another tenant, gets nothing
        assert customer_mail.send_sign_in_link(tenant=tenant, email="stranger@example.net", link=link) is None
        assert customer_mail.send_sign_in_link(tenant=tenant, email="globex-only@example.net", link=link) is None
        # a contact and a member do, up to the hourly cap
        sent = [
            customer_mail.send_sign_in_link(tenant=tenant, email="PAT@customer.example", link=link) for _ in "123456"
        ]
        assert [s is not None for s in sent] == [True] * 5 + [False]
        assert customer_mail.send_sign_in_link(tenant=tenant, email="customer@acme.example", link=link) is not None
        outbound = sent[0]
    assert outbound.to_address == "pat@customer.example"
    assert link in outbound.body_text and outbound.ticket is None


def test_sign_in_mail_body_is_scrubbed_once_sent(tenant, desk, support, django_capture_on_commit_callbacks):
    link = "http://acme.localhost/sign-in/secret-token/"
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        outbound = customer_mail.send_sign_in_link(tenant=tenant, email="pat@customer.example", link=link)
    [sent] = _sent_to("pat@customer.example")
    assert link in sent.body
    with tenant_context(tenant):
        outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT and link not in outbound.body_text + outbound.body_html


def test_without_a_support_address_mail_comes_from_the_installation(
    tenant, agent, desk, new_ticket, settings, django_capture_on_commit_callbacks
):
    ticket = new_ticket()
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket=ticket, actor=agent, body="Hello")
    [sent] = _sent_to("pat@customer.example")
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert sent.reply_to == []


def test_other_tenants_mail_is_not_theirs(tenant, other_tenant, agent, desk, support, new_ticket):
    # given a mail written for acme
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Hello")
    # then globex sees none of it, and its task cannot send it
    with tenant_context(other_tenant):
        assert not OutboundEmail.objects.exists()
        assert not Message.objects.exists()


def test_a_long_reference_chain_keeps_its_root_and_latest_ids(tenant, desk, support, new_ticket):
    ticket = new_ticket()
    chain = " ".join(f"<m{n}@customer.example>" for n in range(30))
    with tenant_context(tenant):
        outbound = customer_mail.send_acknowledgement(
            ticket=ticket, in_reply_to="<m29@customer.example>", references=chain
        )
    ids = outbound.references.split()
    assert len(ids) == customer_mail.MAX_REFERENCES
    assert ids[0] == "m0@customer.example" and ids[-1] == "m29@customer.example"
    assert outbound.in_reply_to == "m29@customer.example"


def test_a_sign_in_link_must_point_at_the_tenants_own_host(tenant, desk, support):
    with tenant_context(tenant), pytest.raises(ServiceError):
        customer_mail.send_sign_in_link(tenant=tenant, email="pat@customer.example", link="https://evil.example/x")
    with tenant_context(tenant):
        assert not OutboundEmail.objects.exists()
