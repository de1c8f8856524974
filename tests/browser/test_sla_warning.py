"""A ticket whose SLA warning passes while its page is open turns amber in the header without a reload, and the
sweep tells its assignee; a supervisor's At risk view lists it; an admin's ladder editor (screenshots)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sla import ladder_services
from sla import services as sla_services
from sla.models import always_hours
from sla.sweep import sweep
from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.sla.conftest import SETUP
from tickets import clock, services
from tickets.feed.dispatch import drain
from tickets.models import Notification, Priority, TeamMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# First response in 10 minutes around the clock, warned at half of it.
TARGETS = {str(p): {"first_response": {"seconds": 600, "business": False}} for p in Priority.values}


def test_ticket_turns_amber_without_a_reload_and_the_assignee_is_told(
    page, live_server, tenant, agent, supervisor, admin, desk
):
    # given a 10-minute first response warned at 5 minutes, and a ladder that raises the priority at the breach
    with tenant_context(tenant):
        TeamMembership.objects.create(team=desk["team"], membership=supervisor)
        calendar = sla_services.create_calendar(actor=SETUP, name="24x7", time_zone="UTC", hours=always_hours())
        policy = sla_services.create_policy(
            actor=SETUP, name="Quick", calendar=calendar, targets=TARGETS, is_default=True, warn_percent=50
        )
        ladder_services.add_ladder_step(
            actor=SETUP, policy=policy, target_kind="first_response", trigger="breach", raise_priority_to=4
        )
    # and a ticket assigned to the agent, opened so that its warning comes 25 s from now
    opened_at = timezone.now() - timedelta(minutes=5) + timedelta(seconds=25)
    with tenant_context(tenant), clock.replaying(opened_at):
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Printer on fire", body="It burns.")
        services.assign(ticket=ticket, assignee=agent, actor=agent)
    with tenant_context(tenant):
        drain()

    # when the agent has the ticket open
    sign_in(page, live_server, tenant, "agent@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    flag = page.locator("#sla-ticket-flag [data-tone]")
    flag.wait_for()
    # then the header shows the first response in green
    assert flag.get_attribute("data-tone") == "green"
    assert "first response" in flag.inner_text()

    # when the warning passes and the page's minute refresh comes (no reload)
    page.wait_for_selector('#sla-ticket-flag [data-tone="amber"]', timeout=100_000)
    screenshot(page, "sla-ticket-amber")
    # and the sweep runs (in-process, as the periodic task would)
    with tenant_context(tenant):
        result = sweep()
        assert result.warnings == 1
        told = set(Notification.objects.filter(ticket=ticket, kind="sla_warning").values_list("recipient", flat=True))
    # then the assignee and the queue's supervisor are told, and the agent sees it in their notifications
    assert told == {agent.pk, supervisor.pk}
    page.goto(tenant_url(live_server, tenant, "/desk/notifications/"))
    assert "SLA at risk" in page.inner_text("main")

    # and a supervisor's At risk view lists it, amber
    supervisor_page = page.context.browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    sign_in(supervisor_page, live_server, tenant, "supervisor@acme.example")
    supervisor_page.goto(tenant_url(live_server, tenant, "/desk/sla/at-risk/"))
    row = supervisor_page.locator('tr[data-sla-risk="amber"]')
    assert "Printer on fire" in row.inner_text()
    screenshot(supervisor_page, "sla-at-risk")

    # and the admin's ladder editor shows the step
    admin_page = page.context.browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(admin_page, live_server, tenant, "admin@acme.example")
    admin_page.goto(tenant_url(live_server, tenant, f"/desk/settings/sla/policies/{policy.pk}/ladder/"))
    assert "raise priority to Urgent" in admin_page.inner_text("main")
    screenshot(admin_page, "sla-ladder-editor")
