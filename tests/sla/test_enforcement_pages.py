"""SLA enforcement pages: supervisors' At risk view (query count, role gating, other tenants), the queue rows'
at-risk flag, the ticket header's SLA badge (swapped out of band by the clocks partial), the ladder editor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sla import services as sla_services
from sla.models import LadderStep, always_hours
from tenancy.context import tenant_context
from tenancy.models import ConfigChange
from tests.conftest import count_queries, host_client, make_member
from tests.sla.conftest import SETUP
from tests.sla.test_sweep import settle
from tickets import clock, services

pytestmark = pytest.mark.django_db

HOUR = 3600
# Around the clock: a first response in 1 h, warned at half of it; resolution in 10 h.
QUICK = {
    str(priority): {
        "first_response": {"seconds": HOUR, "business": False},
        "resolution": {"seconds": 10 * HOUR, "business": False},
    }
    for priority in (1, 2, 3, 4)
}


@pytest.fixture
def quick(tenant, desk):
    with tenant_context(tenant):
        calendar = sla_services.create_calendar(actor=SETUP, name="24x7", time_zone="UTC", hours=always_hours())
        return sla_services.create_policy(
            actor=SETUP, name="Quick", calendar=calendar, targets=QUICK, is_default=True, warn_percent=50
        )


@pytest.fixture
def aged(tenant, desk, quick):
    """`aged(minutes, subject)`: a ticket opened that many minutes ago, its clocks computed."""

    def make(minutes: int, subject: str = "Help"):
        contact = desk["contact"]
        with tenant_context(tenant), clock.replaying(timezone.now() - timedelta(minutes=minutes)):
            ticket = services.create_ticket(actor=contact, contact=contact, subject=subject, body="Help!")
        settle(tenant)
        return ticket

    return make


def test_at_risk_view_lists_warned_and_breached_tickets_least_time_left_first(tenant, supervisor, aged):
    # given a fresh ticket (green), one past its warning (40 min of 60) and one past its due (2 h)
    _fresh, warned, breached = aged(1, "Fresh one"), aged(40, "Warned one"), aged(120, "Breached one")
    # when a supervisor opens the view
    page = host_client(tenant, supervisor).get(reverse("desk:sla_at_risk")).text
    # then the breached ticket comes first (red), then the warned one (amber); the fresh one is not there
    assert page.index("Breached one") < page.index("Warned one")
    assert "Fresh one" not in page
    assert page.count('data-sla-risk="red"') == 1 and page.count('data-sla-risk="amber"') == 1
    assert f"ACME-{breached.number}" in page and f"ACME-{warned.number}" in page


def test_at_risk_view_runs_a_fixed_number_of_queries(tenant, supervisor, aged):
    # given one ticket at risk
    aged(40)
    client = host_client(tenant, supervisor)
    few = count_queries(client, reverse("desk:sla_at_risk"))
    # when there are seven, warned and breached
    for minutes in (35, 45, 90, 120, 150, 200):
        aged(minutes)
    # then the page runs the same queries
    assert count_queries(client, reverse("desk:sla_at_risk")) == few


def test_at_risk_view_is_for_supervisors_and_up(tenant, agent, supervisor, admin, aged):
    aged(40, "Warned one")
    url = reverse("desk:sla_at_risk")
    # an agent is refused; supervisors and admins see it
    assert host_client(tenant, agent).get(url).status_code == 403
    assert host_client(tenant, supervisor).get(url).status_code == 200
    assert "Warned one" in host_client(tenant, admin).get(url).text
    # and the desk's navigation links to it for supervisors only
    assert url in host_client(tenant, supervisor).get(reverse("desk:home"), follow=True).text
    assert url not in host_client(tenant, agent).get(reverse("desk:home"), follow=True).text


def test_at_risk_view_shows_nothing_of_another_tenant(tenant, other_tenant, aged):
    # given acme has a breached ticket
    aged(120, "Acme breach")
    globex_supervisor = make_member(other_tenant, "supervisor", "supervisor@globex.example")
    # when globex's supervisor opens the view on globex
    page = host_client(other_tenant, globex_supervisor).get(reverse("desk:sla_at_risk")).text
    # then it is empty
    assert "Acme breach" not in page and "Nothing at risk" in page


def test_queue_rows_flag_at_risk_and_breached_tickets(tenant, agent, desk, aged):
    # given a fresh, a warned and a breached ticket in the queue
    aged(1, "Fresh one"), aged(40, "Warned one"), aged(120, "Breached one")
    # when the agent opens the queue
    page = host_client(tenant, agent).get(f"/desk/queues/{desk['queue'].pk}/").text
    # then one row is amber ("At risk") and one red ("Breached")
    assert page.count('data-sla-risk="amber"') == 1
    assert page.count('data-sla-risk="red"') == 1


def test_queue_rows_flag_costs_no_query_per_row(tenant, agent, desk, aged):
    aged(40)
    client = host_client(tenant, agent)
    url = f"/desk/queues/{desk['queue'].pk}/"
    few = count_queries(client, url)
    for minutes in (1, 35, 90, 120, 150):
        aged(minutes)
    assert count_queries(client, url) == few


def test_ticket_header_gets_the_sla_badge_out_of_band(tenant, agent, aged):
    # given a ticket past its warning
    ticket = aged(40)
    client = host_client(tenant, agent)
    # when the ticket page loads, its header has the slot the clocks partial fills
    page = client.get(reverse("desk:ticket", args=[ticket.number])).text
    assert 'id="sla-ticket-flag"' in page
    # and the partial (loaded at once, then every 60 s) swaps an amber badge into it
    partial = client.get(reverse("desk:sla_ticket_clocks", args=[ticket.number]), HTTP_HX_REQUEST="true").text
    flag = partial[partial.index('id="sla-ticket-flag"') :]
    assert 'hx-swap-oob="true"' in flag[:200]
    assert 'data-tone="amber"' in flag and "first response" in flag


def test_ladder_page_adds_and_removes_steps_audited(tenant, admin, quick):
    client = host_client(tenant, admin)
    url = reverse("desk:sla_ladder", args=[quick.pk])
    assert client.get(url).status_code == 200
    # when the admin adds "2 h after the resolution's breach: raise to urgent"
    response = client.post(
        url, {"target_kind": "resolution", "moment": "after", "after_hours": "2", "raise_priority_to": "4"}
    )
    # then the step exists, the change is audited, and the page lists it
    assert response.status_code == 302
    with tenant_context(tenant):
        step = LadderStep.objects.get()
        assert (step.trigger, step.after_hours, step.raise_priority_to) == ("breach", 2, 4)
        assert ConfigChange.objects.filter(area="sla.ladders", action="created").count() == 1
    assert "raise priority to Urgent" in client.get(url).text
    # when they remove it
    removed = client.post(reverse("desk:sla_ladder_step_remove", args=[quick.pk, step.pk]))
    assert removed.status_code == 302
    with tenant_context(tenant):
        assert not LadderStep.objects.exists()
        assert ConfigChange.objects.filter(area="sla.ladders", action="deleted").count() == 1


def test_ladder_page_explains_a_refused_step(tenant, admin, quick):
    # when the admin adds a step that does nothing, or "hours after" without hours
    client = host_client(tenant, admin)
    url = reverse("desk:sla_ladder", args=[quick.pk])
    nothing = client.post(url, {"target_kind": "resolution", "moment": "breach"})
    no_hours = client.post(url, {"target_kind": "resolution", "moment": "after", "raise_priority_to": "4"})
    # then each page says why, and nothing was stored
    assert nothing.status_code == 400 and "must do something" in nothing.text
    assert no_hours.status_code == 400 and "how many hours" in no_hours.text
    with tenant_context(tenant):
        assert not LadderStep.objects.exists()


def test_ladder_page_is_for_admins(tenant, supervisor, quick):
    url = reverse("desk:sla_ladder", args=[quick.pk])
    assert host_client(tenant, supervisor).get(url).status_code == 403
