"""SLA pages: the ticket's clocks partial, admins' calendars and policies, refusals as messages, re-apply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sla import services as sla_services
from sla.engine import recompute_ticket
from sla.models import Calendar, ClockEvent, ReapplyJob, SlaPolicy, SlaTarget
from sla.reapply import run_reapply
from tenancy.context import tenant_context
from tenancy.models import ConfigChange
from tenancy.setup import checklist, set_up_tenant
from tests.conftest import count_queries, host_client
from tests.sla.conftest import SETUP, berlin
from tests.sla.factories import STANDARD_TARGETS
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_ticket_page_loads_the_clocks_partial_and_it_shows_time_left(tenant, agent, office, new_ticket):
    # given a ticket opened now with its clocks computed
    ticket = new_ticket()
    with tenant_context(tenant):
        recompute_ticket(ticket_id=ticket.pk)
    client = host_client(tenant, agent)
    # when the agent opens the ticket page
    page = client.get(reverse("desk:ticket", args=[ticket.number]))
    # then it carries the htmx slot for the clocks, refreshed each minute
    partial_url = reverse("desk:sla_ticket_clocks", args=[ticket.number])
    assert f'hx-get="{partial_url}"' in page.content.decode()
    assert "every 60s" in page.content.decode()
    # and the partial lists first response and resolution with business time left (or paused outside hours)
    body = client.get(partial_url, HTTP_HX_REQUEST="true").content.decode()
    assert "First response" in body and "Resolution" in body
    assert "left" in body or "paused until" in body
    assert "Clock log" in body


def test_clocks_partial_tones_amber_red_grey(tenant, office, opened, at, agent):
    from sla.selectors import ticket_clocks

    # given a ticket opened Monday 09:00 (first response due 13:00, warning at 12:12)
    ticket = opened(berlin(2025, 1, 6, 9))
    with tenant_context(tenant):
        recompute_ticket(ticket_id=ticket.pk)
        row = Ticket.objects.get(pk=ticket.pk)
        # then: green at 10:00 with 3 h left, amber at 12:30, red at 13:30, grey "paused until Tue 08:00" at 20:00
        tones = {
            moment: {c.target.kind: (c.tone, c.headline, c.detail) for c in ticket_clocks(row, now=moment)}
            for moment in (berlin(2025, 1, 6, 10), berlin(2025, 1, 6, 12, 30), berlin(2025, 1, 6, 13, 30))
        }
    assert tones[berlin(2025, 1, 6, 10)]["first_response"][:2] == ("green", "3 h left")
    assert tones[berlin(2025, 1, 6, 12, 30)]["first_response"][0] == "amber"
    assert tones[berlin(2025, 1, 6, 13, 30)]["first_response"][:2] == ("red", "30 min overdue")
    with tenant_context(tenant), timezone.override("Europe/Berlin"):
        night = {c.target.kind: c for c in ticket_clocks(row, now=berlin(2025, 1, 6, 20))}
    assert night["resolution"].tone == "grey"
    assert night["resolution"].detail == "paused until Tue 08:00"
    # and a pending ticket shows grey "paused"
    at(berlin(2025, 1, 6, 10), services.change_status, ticket=ticket, status="pending", actor=agent)
    with tenant_context(tenant):
        recompute_ticket(ticket_id=ticket.pk)
        paused = {c.target.kind: c for c in ticket_clocks(Ticket.objects.get(pk=ticket.pk))}
    assert paused["resolution"].tone == "grey" and paused["resolution"].headline.startswith("paused")


def test_clocks_partial_of_another_tenants_ticket_is_a_404(tenant, other_tenant, other_agent, office, new_ticket):
    # given a ticket of acme with clocks, and globex staff
    ticket = new_ticket()
    with tenant_context(tenant):
        recompute_ticket(ticket_id=ticket.pk)
    # when globex's agent asks for acme's ticket number on their own host
    response = host_client(other_tenant, other_agent).get(reverse("desk:sla_ticket_clocks", args=[ticket.number]))
    # then it does not exist for them
    assert response.status_code == 404


def test_admin_creates_a_calendar_with_split_shifts_and_overlaps_are_refused(tenant, admin):
    client = host_client(tenant, admin)
    url = reverse("desk:sla_calendars")
    days = {f"day_{i}": "08:00-12:00, 13:00-17:00" for i in range(5)}
    # when an admin sends overlapping hours
    refused = client.post(
        url, {"name": "EMEA", "time_zone": "Europe/Berlin", **days, "day_1": "08:00-13:00, 12:00-17:00"}
    )
    # then the page says which day and which hours
    assert refused.status_code == 400
    assert "Tuesday: 08:00-13:00 overlaps 12:00-17:00." in refused.content.decode()
    # when the hours are right
    created = client.post(url, {"name": "EMEA", "time_zone": "Europe/Berlin", "holiday_country": "de", **days})
    # then the calendar exists with its hours and German holidays, audited
    assert created.status_code == 302
    with tenant_context(tenant):
        calendar = Calendar.objects.get(name="EMEA")
        assert calendar.hours[0] == [[480, 720], [780, 1020]] and calendar.hours[5] == []
        assert calendar.holiday_country == "DE"
        assert ConfigChange.objects.filter(area="sla.calendars", actor_membership=admin).exists()
        # and the checklist item "Set your business hours" is done
        assert next(item for item in checklist(tenant) if item.key == "business_hours").done


def test_calendar_refuses_unknown_zone_and_region(tenant, admin):
    client = host_client(tenant, admin)
    url = reverse("desk:sla_calendars")
    zone = client.post(url, {"name": "X", "time_zone": "Mars/Base"}).content.decode()
    assert "“Mars/Base” is not a time zone" in zone
    region = client.post(url, {"name": "X", "time_zone": "UTC", "holiday_country": "DE", "holiday_subdivision": "ZZ"})
    assert "“ZZ” is not a region of DE" in region.content.decode()


def test_admin_adds_and_removes_a_holiday_and_the_version_goes_up(tenant, admin, office):
    client = host_client(tenant, admin)
    calendar = office["calendar"]
    added = client.post(reverse("desk:sla_holiday_add", args=[calendar.pk]), {"day": "2025-12-24", "name": "Eve"})
    assert added.status_code == 302
    with tenant_context(tenant):
        holiday = calendar.holidays.get()
        assert Calendar.objects.get(pk=calendar.pk).version == calendar.version + 1
    client.post(reverse("desk:sla_holiday_remove", args=[calendar.pk, holiday.pk]))
    with tenant_context(tenant):
        assert not calendar.holidays.exists()
        assert Calendar.objects.get(pk=calendar.pk).version == calendar.version + 2


def test_policy_form_refuses_non_positive_targets_and_a_missing_default(tenant, admin, office):
    client = host_client(tenant, admin)
    policy = office["policy"]
    base = {"name": "Standard", "calendar": office["calendar"].pk, "warn_percent": 80, "b_resolution": "on"}
    # when a target is zero
    zero = client.post(
        reverse("desk:sla_policy", args=[policy.pk]), {**base, "is_default": "on", "t_2_resolution": "0"}
    )
    assert "Resolution for Normal priority: a target must be longer than zero" in zero.content.decode()
    # when the only default stops being the default
    undefault = client.post(reverse("desk:sla_policy", args=[policy.pk]), {**base, "t_2_resolution": "8h"})
    assert "There must be a default policy" in undefault.content.decode()
    # when the duration is not one
    typo = client.post(
        reverse("desk:sla_policy", args=[policy.pk]), {**base, "is_default": "on", "t_2_resolution": "8 hours"}
    )
    assert "write a duration like 4h" in typo.content.decode()
    # and a valid edit saves a new version
    saved = client.post(
        reverse("desk:sla_policy", args=[policy.pk]), {**base, "is_default": "on", "t_2_resolution": "1h 30m"}
    )
    assert saved.status_code == 302
    with tenant_context(tenant):
        policy = SlaPolicy.objects.get(pk=policy.pk)
    assert policy.version == 2
    assert policy.targets == {"2": {"resolution": {"seconds": 5400, "business": True}}}


def test_list_pages_run_a_fixed_number_of_queries(tenant, admin, office):
    client = host_client(tenant, admin)
    urls = [reverse("desk:sla_calendars"), reverse("desk:sla_policies")]
    before = [count_queries(client, url) for url in urls]
    with tenant_context(tenant):
        for n in range(4):
            calendar = sla_services.create_calendar(
                actor=SETUP, name=f"C{n}", time_zone="UTC", hours=[[]] * 6 + [[[0, 60]]]
            )
            sla_services.create_policy(actor=SETUP, name=f"P{n}", calendar=calendar, targets=STANDARD_TARGETS)
    assert [count_queries(client, url) for url in urls] == before


def test_reapply_moves_open_tickets_to_the_new_version_like_a_replay(tenant, office, opened, agent):
    # given two open tickets under version 1 (resolution 40 h) and one resolved
    first, second, done = (opened(berlin(2025, 1, 6, 9)) for _ in range(3))
    with tenant_context(tenant), __import__("tickets").clock.replaying(berlin(2025, 1, 6, 10)):
        services.reply(ticket=done, actor=agent, body="Done", status="resolved")
    with tenant_context(tenant):
        for ticket in (first, second, done):
            recompute_ticket(ticket_id=ticket.pk)
        # when the policy's normal resolution becomes 20 h and the admin re-applies it
        targets = {
            **STANDARD_TARGETS,
            "2": {**STANDARD_TARGETS["2"], "resolution": {"seconds": 20 * 3600, "business": True}},
        }
        policy = sla_services.update_policy(actor=SETUP, policy=office["policy"], targets=targets)
        job = sla_services.request_reapply(actor=SETUP, policy=policy)
        job = run_reapply(job_id=job.pk, batch=1)
        # then the job is done with its progress, the open tickets' resolution runs to Tuesday 19:00... in office
        # hours: Mon 09-18 (9 h) + Tue 08-18 (10 h) + Wed 08-09 -> Wednesday 09:00
        assert (job.status, job.done, job.total) == (ReapplyJob.Status.DONE, 4, 4)
        target = SlaTarget.objects.get(ticket=first, kind="resolution")
        assert (target.policy_version, target.due_at) == (2, berlin(2025, 1, 8, 9))
        assert Ticket.objects.get(pk=first.pk).resolution_due_at == berlin(2025, 1, 8, 9)
        assert ClockEvent.objects.filter(ticket=first, reason__contains="re-applied").count() == 2
        # and the resolved ticket keeps its met target under version 1
        assert SlaTarget.objects.get(ticket=done, kind="resolution").policy_version == 1
        # and a replay of the history now gives the same deadline
        recompute_ticket(ticket_id=second.pk)
        assert SlaTarget.objects.get(ticket=second, kind="resolution").due_at == berlin(2025, 1, 8, 9)
        # and running it again changes nothing
        assert run_reapply(job_id=job.pk).done == 4


def test_setup_creates_a_24x7_calendar_and_a_default_policy_once(tenant, admin):
    # when the tenant is set up twice
    set_up_tenant(tenant, admin=admin)
    set_up_tenant(tenant, admin=admin)
    # then one 24x7 calendar and one default policy exist, and the checklist waits for an admin's calendar
    with tenant_context(tenant):
        assert list(Calendar.objects.values_list("name", flat=True)) == ["24x7"]
        policy = SlaPolicy.objects.get(is_default=True)
        assert policy.targets["4"]["first_response"]["seconds"] == 3600
        assert not next(item for item in checklist(tenant) if item.key == "business_hours").done


def test_deadline_columns_keep_updated_at_and_make_no_feed_entry(tenant, office, new_ticket):
    from tickets.models import FeedEntry

    ticket = new_ticket()
    with tenant_context(tenant):
        entries = FeedEntry.objects.count()
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(days=1))
        stamp = Ticket.objects.get(pk=ticket.pk).updated_at
        recompute_ticket(ticket_id=ticket.pk)
        row = Ticket.objects.get(pk=ticket.pk)
        assert row.next_due_at is not None
        assert row.updated_at == stamp
        assert FeedEntry.objects.count() == entries
