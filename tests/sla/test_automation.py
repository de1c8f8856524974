"""Auto-resolve and auto-close (sla.automation): defaults, the two settings validated together with the reopen
window, resolve after N days with a message to the customer, close once the reopen window has passed, a ticket
blocked by a required field skipped with its reason, idempotence, and tenant isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sla.automation.rules import DEFAULT_RESOLVE_MESSAGE, current_rules, update_automation_settings
from sla.automation.run import run_automations
from sla.models import AutomationSettings, StatusClock
from tenancy.context import tenant_context
from tests.conftest import host_client
from tickets import clock, services
from tickets.feed.dispatch import drain
from tickets.lifecycle import Status
from tickets.models import Message, OutboundEmail, Ticket, TicketEvent
from tickets.services import custom_fields as field_services

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def waiting(tenant, desk, agent):
    """`waiting(days_ago)`: a ticket the agent answered and set pending that many days ago (replayed history),
    with its status clock written by the feed subscriber."""

    def make(days_ago: float, subject: str = "Printer on fire", **extra):
        contact = desk["contact"]
        moment = timezone.now() - timedelta(days=days_ago)
        with tenant_context(tenant):
            with clock.replaying(moment - timedelta(hours=1)):
                ticket = services.create_ticket(actor=contact, contact=contact, subject=subject, body="Help", **extra)
            with clock.replaying(moment):
                services.reply(ticket=ticket, actor=agent, body="Which model is it?", status=Status.PENDING)
            drain()
        return ticket

    return make


@pytest.fixture
def resolved(tenant, waiting, agent):
    """`resolved(days_ago)`: a ticket the agent resolved that many days ago."""

    def make(days_ago: float, subject: str = "Password reset"):
        ticket = waiting(days_ago + 1, subject=subject)
        with tenant_context(tenant), clock.replaying(timezone.now() - timedelta(days=days_ago)):
            services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        with tenant_context(tenant):
            drain()
        return ticket

    return make


def status_of(tenant, ticket) -> str:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk).status


def test_automation_rules_default_to_seven_days_and_the_reopen_window(tenant):
    # given a tenant that never opened the page, with a 10-day reopen window
    tenant.reopen_window_days = 10
    tenant.save(update_fields=["reopen_window_days"])
    with tenant_context(tenant):
        # when the job reads its rules
        rules = current_rules(tenant)
    # then pending tickets resolve after 7 days, resolved ones close when the window ends, with the default text
    assert (rules.resolve_days, rules.close_days, rules.message) == (7, 10, DEFAULT_RESOLVE_MESSAGE)


def test_update_automation_settings_refuses_closing_inside_the_reopen_window(tenant, admin):
    # given a 7-day reopen window
    with tenant_context(tenant):
        # when an admin asks to close 3 days after resolution
        with pytest.raises(ValidationError) as refused:
            update_automation_settings(
                tenant=tenant, actor=admin, resolve_after_days=7, close_enabled=True, close_after_days=3
            )
        # then it is refused on that field, naming the window, and nothing is saved
        assert "7 days (the reopen window" in refused.value.message_dict["close_after_days"][0]
        assert not AutomationSettings.objects.exists()
        # and closing at the window or later, or turning auto-close off, is accepted
        update_automation_settings(tenant=tenant, actor=admin, resolve_after_days=3, close_enabled=True,
                                   close_after_days=7)  # fmt: skip
        update_automation_settings(tenant=tenant, actor=admin, resolve_after_days=None, close_enabled=False,
                                   close_after_days=None)  # fmt: skip
        assert current_rules(tenant).resolve_days is None and current_rules(tenant).close_days is None


def test_automation_rules_never_close_before_a_window_widened_later(tenant, admin):
    # given auto-close after 7 days, then the reopen window widened to 14 on the portal page
    with tenant_context(tenant):
        update_automation_settings(tenant=tenant, actor=admin, resolve_after_days=7, close_enabled=True,
                                   close_after_days=7)  # fmt: skip
    tenant.reopen_window_days = 14
    tenant.save(update_fields=["reopen_window_days"])
    with tenant_context(tenant):
        # then the job closes at the window, not sooner
        assert current_rules(tenant).close_days == 14


def test_automation_settings_page_shows_the_joint_error_under_its_field(tenant, admin):
    client = host_client(tenant, admin)
    # when an admin saves an auto-close inside the reopen window
    response = client.post(
        "/desk/settings/sla/automation/",
        {"resolve_enabled": "on", "resolve_after_days": "5", "close_enabled": "on", "close_after_days": "2"},
    )
    # then the page comes back with the reason under the field, and nothing saved
    assert response.status_code == 400
    assert "would take that away" in response.context["form"].errors["close_after_days"][0]
    # and a valid change saves and redirects
    ok = client.post("/desk/settings/sla/automation/", {"resolve_enabled": "on", "resolve_after_days": "5",
                                                         "close_enabled": "on", "close_after_days": ""})  # fmt: skip
    assert ok.status_code == 302
    with tenant_context(tenant):
        assert current_rules(tenant).resolve_days == 5
    assert "Auto-resolve and auto-close" in client.get("/desk/settings/").text


def test_auto_resolve_resolves_after_n_days_with_a_message_to_the_customer(tenant, other_tenant, waiting):
    # given one ticket pending for 8 days and one for 6
    old, recent = waiting(8), waiting(6, subject="Toner low")
    # when the job runs
    with tenant_context(tenant):
        result = run_automations()
    # then only the old one is resolved, by the named automation with its reason
    assert result.resolved == [old.pk] and status_of(tenant, recent) == Status.PENDING
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=old.pk)
        assert ticket.status == Status.RESOLVED
        change = TicketEvent.objects.get(ticket=old, kind="status_changed", new_value=Status.RESOLVED)
        assert change.actor_automation == "auto-resolve" and change.reason == "no reply from the customer for 8 days"
        # and the customer got the public message, in the conversation and by mail
        message = Message.objects.filter(ticket=old, kind=Message.Kind.REPLY).latest("created_at")
        assert message.author_membership_id is None and "reply to this message" in message.body_text
        assert TicketEvent.objects.get(ticket=old, kind="replied", new_value=str(message.pk)).actor_automation
        mail = OutboundEmail.objects.get(message=message)
        assert mail.kind == OutboundEmail.Kind.REPLY and "reply to this message" in mail.body_text
        # and its clock now counts towards auto-close
        assert StatusClock.objects.get(ticket=old).status == "resolved"
    with tenant_context(other_tenant):
        assert not StatusClock.objects.exists()


def test_auto_resolve_uses_the_tenants_own_message(tenant, admin, waiting):
    with tenant_context(tenant):
        update_automation_settings(
            tenant=tenant,
            actor=admin,
            resolve_after_days=2,
            close_enabled=True,
            close_after_days=None,
            resolve_message="Closing the loop: write back any time.",
        )
    ticket = waiting(3)
    with tenant_context(tenant):
        assert run_automations().resolved == [ticket.pk]
        assert Message.objects.filter(ticket=ticket, body_html__contains="Closing the loop").count() == 1


def test_auto_resolve_running_twice_changes_nothing_the_second_time(tenant, waiting):
    ticket = waiting(9)
    with tenant_context(tenant):
        first = run_automations()
        events = TicketEvent.objects.filter(ticket=ticket).count()
        # when the job runs again (and once more with a stale clock row, as a lagging feed would leave it)
        second = run_automations()
        StatusClock.objects.filter(ticket=ticket).update(status="pending", since=timezone.now() - 9 * DAY)
        third = run_automations()
        # then nothing more happens: one message, one resolution
        assert first.resolved == [ticket.pk] and second.resolved == [] and third.resolved == []
        assert third.skipped == [ticket.pk] and TicketEvent.objects.filter(ticket=ticket).count() == events
        assert Message.objects.filter(ticket=ticket, author_membership=None, author_contact=None).count() == 1


def test_auto_resolve_skips_a_ticket_with_a_field_required_at_resolution_and_says_why(tenant, admin, waiting):
    # given a field required at resolution, empty on a ticket pending for 10 days
    with tenant_context(tenant):
        field_services.create_custom_field(actor=admin, key="contract", label="Contract tier", type="text",
                                           required_at_resolution=True)  # fmt: skip
    ticket = waiting(10)
    with tenant_context(tenant):
        # when the job runs twice (the second time after the retry delay)
        result = run_automations()
        later = run_automations(now=timezone.now() + timedelta(hours=7))
        # then the ticket stays pending, with one event saying why, and the customer was told nothing
        assert result.blocked == [ticket.pk] and later.blocked == [ticket.pk] and result.resolved == []
        assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING
        blocked = TicketEvent.objects.get(ticket=ticket, kind="resolution_blocked")
        assert (blocked.actor_automation, blocked.new_value) == ("auto-resolve", "contract")
        assert not Message.objects.filter(ticket=ticket, author_membership=None, author_contact=None).exists()
        # and in between (before the retry delay) the job does not look at it again
        assert run_automations().blocked == []


def test_auto_resolve_leaves_a_ticket_the_customer_answered(tenant, desk, waiting):
    ticket = waiting(8)
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=desk["contact"], body="It's the LaserJet 4")
        # the clock row still says pending (the feed has not run): the re-check under the lock decides
        assert StatusClock.objects.get(ticket=ticket).status == "pending"
        result = run_automations()
        assert result.skipped == [ticket.pk] and Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
        assert not StatusClock.objects.filter(ticket=ticket).exists()


def test_auto_resolve_turned_off_resolves_nothing(tenant, admin, waiting):
    with tenant_context(tenant):
        update_automation_settings(tenant=tenant, actor=admin, resolve_after_days=None, close_enabled=True,
                                   close_after_days=None)  # fmt: skip
    ticket = waiting(30)
    with tenant_context(tenant):
        assert run_automations().resolved == []
    assert status_of(tenant, ticket) == Status.PENDING


def test_auto_close_closes_once_the_reopen_window_has_passed(tenant, resolved):
    # given a 7-day reopen window, one ticket resolved 8 days ago and one 6 days ago
    old, recent = resolved(8), resolved(6, subject="Invoice copy")
    with tenant_context(tenant):
        # when the job runs
        result = run_automations()
        # then only the old one is closed, by the named automation
        assert result.closed == [old.pk] and result.resolved == []
        assert Ticket.objects.get(pk=recent.pk).status == Status.RESOLVED
        change = TicketEvent.objects.get(ticket=old, new_value=Status.CLOSED)
        assert (change.actor_automation, change.reason) == ("auto-close", "the reopen window has passed")
        assert not StatusClock.objects.filter(ticket=old).exists()
        # and again: nothing
        assert run_automations().closed == []


def test_auto_close_leaves_a_ticket_the_customer_reopened(tenant, desk, resolved):
    # given a ticket resolved 6 days ago whose clock row says 8 (as a lagging feed could leave it)
    ticket = resolved(6)
    with tenant_context(tenant):
        StatusClock.objects.filter(ticket=ticket).update(since=timezone.now() - 8 * DAY)
        # when the customer replies within the window, and then the job runs
        services.reply(ticket=ticket, actor=desk["contact"], body="Still broken")
        result = run_automations()
        # then the re-check on the ticket itself wins: reopened, not closed
        assert result.skipped == [ticket.pk] and result.closed == []
        assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN
