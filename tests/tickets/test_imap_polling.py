"""IMAP polling against a local IMAP server (real socket, real imaplib): unseen mail in, seen only once stored,
errors kept on the mailbox, and the periodic job fanning out per tenant."""

from __future__ import annotations

import socket

import pytest
from django.db import DatabaseError

from tenancy.context import tenant_context
from tests.tickets.factories import ImapMailboxFactory, QueueFactory, SupportAddressFactory
from tests.tickets.imap_server import ImapServer, Mailbox
from tests.tickets.mail_samples import build
from tickets.mail import imap
from tickets.models import ImapMailbox, InboundEmail, Ticket
from tickets.tasks import poll_imap_mailbox_task, poll_imap_mailboxes_task


@pytest.fixture
def imap_desk(tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    return desk


def _mailbox_for(tenant, server: ImapServer, **extra) -> ImapMailbox:
    values = {"username": server.mailbox.username, "password": server.mailbox.password, **extra}
    return ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=server.port, use_ssl=False, **values)


def _poll(tenant, mailbox: ImapMailbox) -> int:
    return poll_imap_mailbox_task.delay(tenant_id=tenant.pk, mailbox_id=mailbox.pk).get()


def _reload(tenant, mailbox: ImapMailbox) -> ImapMailbox:
    with tenant_context(tenant):
        return ImapMailbox.objects.get(pk=mailbox.pk)


def test_poll_ingests_unseen_mail_and_marks_it_seen(tenant, imap_desk):
    # given
    box = Mailbox()
    first = box.add(build(subject="From IMAP one"))
    second = box.add(build(subject="From IMAP two"))
    old = box.add(build(subject="Already read"), seen=True)

    with ImapServer(box) as server:
        mailbox = _mailbox_for(tenant, server)

        # when
        taken = _poll(tenant, mailbox)
        again = _poll(tenant, mailbox)

    # then
    assert (taken, again) == (2, 0)
    assert box.unseen() == []
    assert "\\Seen" in box.messages[first][1] and "\\Seen" in box.messages[second][1]
    assert not any(c.startswith(f"UID FETCH {old}") for c in box.commands)
    with tenant_context(tenant):
        assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["From IMAP one", "From IMAP two"]
        assert set(InboundEmail.objects.values_list("source", flat=True)) == {InboundEmail.Source.IMAP}
    polled = _reload(tenant, mailbox)
    assert polled.last_polled_at is not None and polled.last_error == ""


def test_poll_leaves_mail_unseen_when_it_could_not_be_stored(tenant, imap_desk, monkeypatch):
    # given: storing the second message fails (the database went away)
    box = Mailbox()
    box.add(build(subject="Stored"))
    failing = box.add(build(subject="Not stored"))
    real_ingest = imap.ingest

    def flaky_ingest(raw, *, source, mailbox=None):
        if b"Not stored" in raw:
            raise DatabaseError("connection lost")
        return real_ingest(raw, source=source, mailbox=mailbox)

    monkeypatch.setattr(imap, "ingest", flaky_ingest)

    with ImapServer(box) as server:
        mailbox = _mailbox_for(tenant, server)

        # when
        _poll(tenant, mailbox)

    # then
    assert box.unseen() == [failing]
    assert "could not be stored" in _reload(tenant, mailbox).last_error


def test_poll_records_a_refused_sign_in(tenant, imap_desk):
    # given
    box = Mailbox()
    box.add(build())
    with ImapServer(box) as server:
        mailbox = _mailbox_for(tenant, server, password="wrong")

        # when
        taken = _poll(tenant, mailbox)

    # then
    assert taken == 0
    assert box.unseen() == [1]
    assert _reload(tenant, mailbox).last_error == imap.LOGIN_REJECTED


def test_poll_records_an_unreachable_server(tenant, imap_desk):
    # given: a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = ImapMailboxFactory(tenant=tenant, host="127.0.0.1", port=port, use_ssl=False)

    # when
    _poll(tenant, mailbox)

    # then
    assert "refused the connection" in _reload(tenant, mailbox).last_error


@pytest.mark.django_db(transaction=True)
def test_periodic_job_polls_each_active_mailbox_in_its_own_tenant(tenant, other_tenant, imap_desk):
    # given: a mailbox per tenant, and an inactive one
    SupportAddressFactory(tenant=other_tenant, email="help@globex.example", is_default=True)
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, name="Globex", is_default=True)
    acme_box, globex_box, off_box = Mailbox(), Mailbox(username="globex@globex.example"), Mailbox()
    acme_box.add(build(subject="For acme"))
    globex_box.add(build(to="help@globex.example", subject="For globex"))
    off_box.add(build(subject="Nobody polls me"))

    with ImapServer(acme_box) as acme, ImapServer(globex_box) as globex, ImapServer(off_box) as off:
        _mailbox_for(tenant, acme)
        _mailbox_for(other_tenant, globex)
        _mailbox_for(tenant, off, is_active=False)

        # when
        fanned_out = poll_imap_mailboxes_task.delay().get()

    # then
    assert fanned_out == 2
    with tenant_context(tenant):
        assert list(Ticket.objects.values_list("subject", flat=True)) == ["For acme"]
    with tenant_context(other_tenant):
        assert list(Ticket.objects.values_list("subject", flat=True)) == ["For globex"]
    assert off_box.unseen() == [1]
