"""In the browser: the ticket page says why the ticket went to whom, and the agent's availability switch in the
desk header records the change (sign-in made them online)."""

from __future__ import annotations

import pytest

from routing.assignment.services import assign_by_strategy
from routing.models import AvailabilityChange
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.routing.test_assignment import agent_named, give_load
from tests.tickets.factories import TicketFactory
from tickets.models import Queue, Team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticket_page_shows_assignment_reasons_and_the_switch_records_away(browser, live_server, tenant):
    # given a least-loaded queue where Ana has 1 open ticket, Ben 3, and Cy is offline
    with tenant_context(tenant):
        team = Team.objects.create(name="Billing")
        queue = Queue.objects.create(name="Billing", team=team, assignment_strategy="least_loaded", is_default=True)
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    ben = agent_named(tenant, "Ben", team=team)
    agent_named(tenant, "Cy", team=team, availability="offline")
    give_load(tenant, ana, 1, queue=queue)
    give_load(tenant, ben, 3, queue=queue)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    # when Ana signs in (she becomes online) and a new ticket is routed
    sign_in(page, live_server, tenant, ana.user.email)
    ticket = TicketFactory(tenant=tenant, queue=queue, subject="Invoice 2041 charged twice")
    with tenant_context(tenant):
        assign_by_strategy(ticket=ticket)
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    # then the ticket page says why it is hers
    panel = page.get_by_role("region", name="Assignment")
    panel.get_by_text("Least-loaded: Ana had 1 of 10 open, Ben 3 of 10 → Ana").wait_for()
    assert panel.get_by_text("Passed over: Cy (offline)").is_visible()
    panel.scroll_into_view_if_needed()
    screenshot(page, "routing-assignment-reasons")

    # when she switches herself to away in the header
    page.get_by_label("Your availability").select_option("away")
    page.locator("#availability.availability--away").wait_for()
    screenshot(page, "routing-availability-away")
    # then it is stored and recorded as her own change
    with tenant_context(tenant):
        assert Membership.objects.get(pk=ana.pk).availability == "away"
        reasons = list(AvailabilityChange.objects.filter(membership=ana).order_by("pk").values_list("new", "reason"))
    assert reasons == [("online", "sign_in"), ("away", "")]
