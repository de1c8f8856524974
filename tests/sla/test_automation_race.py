"""Auto-resolve and auto-close on committed data: a customer's reply that arrives while the job runs wins (the
job waits for the ticket's row lock, re-checks under it and leaves the ticket open; two real connections), the
periodic task across tenants, and the migration's fill of the clocks of existing tickets."""

from __future__ import annotations

import importlib
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connections, transaction
from django.utils import timezone

from sla.automation.run import run_automations
from sla.automation.tasks import run_automations_task
from sla.models import StatusClock
from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory, QueueFactory
from tickets import clock, services
from tickets.feed.dispatch import drain
from tickets.lifecycle import Status
from tickets.models import Message, Ticket, TicketEvent

HOLD_SECONDS = 1.5


@pytest.mark.django_db(transaction=True)
def test_auto_resolve_loses_to_a_customer_reply_committed_while_it_waits(tenant, desk, agent):
    # given a ticket pending for 8 days, its clock row due
    contact = desk["contact"]
    with tenant_context(tenant):
        with clock.replaying(timezone.now() - timedelta(days=8, hours=1)):
            ticket = services.create_ticket(actor=contact, contact=contact, subject="VPN down", body="Help")
        with clock.replaying(timezone.now() - timedelta(days=8)):
            services.reply(ticket=ticket, actor=agent, body="Which client?", status=Status.PENDING)
        drain()
        assert StatusClock.objects.get(ticket=ticket).status == "pending"
    replied, failure = threading.Event(), []

    def customer_replies() -> None:
        # The customer's reply, on its own connection: it holds the ticket's row lock until it commits.
        try:
            with tenant_context(tenant), transaction.atomic():
                services.reply(ticket=Ticket.objects.get(pk=ticket.pk), actor=contact, body="The Windows one")
                replied.set()
                time.sleep(HOLD_SECONDS)
        except Exception as error:  # surfaced below: a failed thread must fail the test
            failure.append(error)
            replied.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=customer_replies)
    thread.start()
    assert replied.wait(timeout=30)
    # when the job runs while the reply is still uncommitted
    with tenant_context(tenant):
        started = time.monotonic()
        result = run_automations()
        waited = time.monotonic() - started
    thread.join(timeout=30)
    assert not failure
    # then the job waited for the reply's lock, saw it, and left the ticket open with no automated message
    assert waited >= HOLD_SECONDS / 2
    assert result.skipped == [ticket.pk] and result.resolved == []
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
        assert not TicketEvent.objects.filter(ticket=ticket, actor_automation="auto-resolve").exists()
        assert not Message.objects.filter(ticket=ticket, author_membership=None, author_contact=None).exists()


@pytest.mark.django_db(transaction=True)
def test_run_automations_task_handles_every_tenant_once(tenant, other_tenant, desk, agent):
    # given a due pending ticket in acme, and globex with nothing due
    contact = desk["contact"]
    with tenant_context(tenant):
        with clock.replaying(timezone.now() - timedelta(days=9)):
            ticket = services.create_ticket(actor=contact, contact=contact, subject="Label printer", body="Jammed")
            services.reply(ticket=ticket, actor=agent, body="Is it the Zebra?", status=Status.PENDING)
        drain()
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, is_default=True)
        theirs = ContactFactory(tenant=other_tenant)
        fresh = services.create_ticket(actor=theirs, contact=theirs, subject="Hello", body="Hi")
    # when the periodic task runs twice
    first, second = run_automations_task(), run_automations_task()
    # then acme's ticket was resolved once, globex's untouched
    assert (first, second) == (1, 0)
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    with tenant_context(other_tenant):
        assert Ticket.objects.get(pk=fresh.pk).status == Status.NEW


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_clocks_of_tickets_already_pending_or_resolved(tenant, desk, agent):
    # given a ticket pending since 3 days ago and one resolved 2 days ago, from before the clocks existed
    contact = desk["contact"]
    pending_at, resolved_at = timezone.now() - timedelta(days=3), timezone.now() - timedelta(days=2)
    with tenant_context(tenant):
        with clock.replaying(pending_at - timedelta(hours=1)):
            waiting = services.create_ticket(actor=contact, contact=contact, subject="A", body="A")
            done = services.create_ticket(actor=contact, contact=contact, subject="B", body="B")
        with clock.replaying(pending_at):
            services.reply(ticket=waiting, actor=agent, body="Which one?", status=Status.PENDING)
        with clock.replaying(resolved_at):
            services.change_status(ticket=done, status=Status.RESOLVED, actor=agent)
        StatusClock.objects.all().delete()
    # when the migration's fill runs (as migrate would: one transaction, tenant by tenant)
    fill = importlib.import_module("sla.migrations.0003_automation").fill_status_clocks
    with transaction.atomic():
        fill(None, SimpleNamespace(connection=connections["default"]))
    # then both have their clocks, from the right moments
    with tenant_context(tenant):
        clocks = {row.ticket_id: (row.status, row.since) for row in StatusClock.objects.all()}
    assert clocks == {waiting.pk: ("pending", pending_at), done.pk: ("resolved", resolved_at)}
