"""Availability: recorded changes, waiting tickets assigned nearest due first when an agent comes online or frees
capacity, sign-in, idle to away, offline return, the settings page."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from routing import assignment_feed
from routing.assignment.services import AGENT_ONLINE, ASSIGN_WAITING_TASK, assign_waiting_tickets
from routing.availability.middleware import THROTTLE_SECONDS
from routing.availability.services import (
    IDLE,
    mark_idle_away,
    note_activity,
    return_offline_work,
    set_availability,
)
from routing.models import AssignmentDecision, AvailabilityChange
from tenancy.context import tenant_context
from tenancy.models import ConfigChange, Membership, PendingTask, Tenant
from tests.conftest import PASSWORD, host_client
from tests.routing.test_assignment import agent_named, give_load, make_queue, owner, words
from tests.tickets.factories import TicketFactory
from tickets.feed.registry import Change
from tickets.models import Team, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tenant):
    with tenant_context(tenant):
        return Team.objects.create(name="Frontline")


def reload(tenant, member) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.select_related("user").get(pk=member.pk)


def test_coming_online_is_recorded_and_publishes_the_assign_task(tenant, team):
    # given an offline agent and a ticket waiting in a least-loaded queue
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    TicketFactory(tenant=tenant, queue=make_queue(tenant, "least_loaded", team=team))
    # when she switches herself online
    with tenant_context(tenant):
        set_availability(membership=ana, availability="online", actor=ana)
        change = AvailabilityChange.objects.get(membership=ana)
        task = PendingTask.objects.get(task_name=ASSIGN_WAITING_TASK)
    # then the change is recorded, with who made it, and the assign task is in the outbox
    assert (change.old, change.new, change.actor_membership_id) == ("offline", "online", ana.pk)
    assert task.kwargs == {"trigger": AGENT_ONLINE}
    assert reload(tenant, ana).availability_changed_at > timezone.now() - timedelta(minutes=1)


def test_going_away_publishes_nothing(tenant, team):
    # given an online agent and a waiting ticket; when she goes away, then no task is queued
    ana = agent_named(tenant, "Ana", team=team)
    TicketFactory(tenant=tenant, queue=make_queue(tenant, "least_loaded", team=team))
    with tenant_context(tenant):
        set_availability(membership=ana, availability="away", actor=ana)
        assert not PendingTask.objects.filter(task_name=ASSIGN_WAITING_TASK).exists()
        assert AvailabilityChange.objects.filter(membership=ana, new="away").exists()


def test_waiting_tickets_are_assigned_nearest_due_first(tenant, team):
    # given three waiting tickets due in 3 h, 1 h and not at all, and one due in 2 h in a manual queue
    queue = make_queue(tenant, "least_loaded", team=team)
    now = timezone.now()
    later = TicketFactory(tenant=tenant, queue=queue, next_due_at=now + timedelta(hours=3))
    soon = TicketFactory(tenant=tenant, queue=queue, next_due_at=now + timedelta(hours=1))
    undated = TicketFactory(tenant=tenant, queue=queue, next_due_at=None)
    manual = TicketFactory(tenant=tenant, queue=make_queue(tenant, "manual", team=team), next_due_at=now)
    # when an agent with room for two comes online and the task runs
    ana = agent_named(tenant, "Ana", team=team, capacity=2)
    with tenant_context(tenant):
        assigned = assign_waiting_tickets(trigger=AGENT_ONLINE)
    # then the two nearest due are hers; the undated one and the manual queue's wait
    assert assigned == 2
    assert [owner(tenant, t) for t in (soon, later, undated, manual)] == [ana.pk, ana.pk, None, None]
    assert words(tenant, soon) == ["Least-loaded: Ana had 0 of 2 open → Ana, when an agent came online"]


def test_assign_waiting_twice_assigns_nothing_more(tenant, team):
    # given a waiting ticket and an agent online; when the task runs twice, then one assignment and one decision
    queue = make_queue(tenant, "round_robin", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    agent_named(tenant, "Ana", team=team)
    with tenant_context(tenant):
        assert assign_waiting_tickets(trigger=AGENT_ONLINE) == 1
        assert assign_waiting_tickets(trigger=AGENT_ONLINE) == 0
        assert AssignmentDecision.objects.filter(ticket=ticket).count() == 1


def test_resolving_a_ticket_frees_capacity_for_a_waiting_one(tenant, team, supervisor):
    # given Ana full at 1 of 1 and a ticket waiting
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team, capacity=1)
    give_load(tenant, ana, 1, queue=queue)
    waiting = TicketFactory(tenant=tenant, queue=queue)
    # when her ticket is resolved: the feed hands the change to assignment's subscriber, and the task runs
    with tenant_context(tenant):
        mine = Ticket.objects.get(assignee=ana)
        Ticket.objects.filter(pk=mine.pk).update(status="resolved", is_open=False)
        event = TicketEvent.objects.create(
            ticket=mine, kind="status_changed", field="status", old_value="open", new_value="resolved",
            actor_membership=ana,
        )  # fmt: skip
        change = Change(1, tenant.pk, mine.pk, (event,), False, timezone.now())
        assert assignment_feed.accepts_change(change)
        assignment_feed.handle_change(change)
        assert PendingTask.objects.filter(task_name=ASSIGN_WAITING_TASK, kwargs__trigger="capacity_freed").exists()
        assign_waiting_tickets(trigger="capacity_freed")
    # then the waiting ticket is hers
    assert owner(tenant, waiting) == ana.pk


def test_feed_subscriber_ignores_changes_that_free_nothing(tenant, team):
    # given a priority change and a first assignment; then neither is accepted
    ticket = TicketFactory(tenant=tenant, queue=make_queue(tenant, "least_loaded", team=team))
    with tenant_context(tenant):
        events = (
            TicketEvent(ticket=ticket, kind="priority_changed", old_value="2", new_value="3"),
            TicketEvent(ticket=ticket, kind="assigned", old_value="", new_value="5"),
            TicketEvent(ticket=ticket, kind="status_changed", old_value="open", new_value="pending"),
        )
    for event in events:
        change = Change(1, tenant.pk, ticket.pk, (event,), False, timezone.now())
        assert not assignment_feed.accepts_change(change)


def test_sign_in_makes_an_agent_available(tenant, team):
    # given an offline agent; when she signs in on the help desk's host
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    request = RequestFactory().post("/accounts/login/")
    with tenant_context(tenant):
        user_logged_in.send(sender=type(ana.user), request=request, user=ana.user)
        change = AvailabilityChange.objects.get(membership=ana)
    # then she is online, recorded as a sign-in
    assert reload(tenant, ana).availability == "online"
    assert change.reason == "sign_in"


def test_sign_in_by_a_real_login_makes_the_agent_available(tenant, team):
    # given an offline agent; when she signs in through the login form
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    client = host_client(tenant)
    response = client.post("/accounts/login/", {"username": ana.user.email, "password": PASSWORD})
    # then she is online
    assert response.status_code == 302
    assert reload(tenant, ana).availability == "online"


def test_idle_agents_become_away_and_active_ones_stay(tenant, team):
    # given the tenant's idle time of 30 minutes, Ana idle for 40 and Ben active 5 minutes ago
    now = timezone.now()
    Tenant.objects.filter(pk=tenant.pk).update(away_after_idle_minutes=30)
    ana, ben = agent_named(tenant, "Ana", team=team), agent_named(tenant, "Ben", team=team)
    with tenant_context(tenant):
        Membership.objects.filter(pk__in=[ana.pk, ben.pk]).update(availability_changed_at=now - timedelta(hours=2))
        Membership.objects.filter(pk=ana.pk).update(last_active_at=now - timedelta(minutes=40))
        Membership.objects.filter(pk=ben.pk).update(last_active_at=now - timedelta(minutes=5))
        # when the idle rule runs
        count = mark_idle_away(tenant=Tenant.objects.get(pk=tenant.pk), now=now)
    # then Ana is away, recorded as idle, and Ben still online
    assert count == 1
    assert (reload(tenant, ana).availability, reload(tenant, ben).availability) == ("away", "online")
    with tenant_context(tenant):
        assert AvailabilityChange.objects.get(membership=ana).reason == IDLE


def test_activity_after_idle_brings_the_agent_back_online(tenant, team):
    # given Ana made away by the idle rule; when she uses the desk again, then she is online
    ana = agent_named(tenant, "Ana", team=team)
    with tenant_context(tenant):
        set_availability(membership=ana, availability="away", actor=ana, reason=IDLE)
        note_activity(membership_id=ana.pk)
    assert reload(tenant, ana).availability == "online"


def test_activity_does_not_override_a_chosen_away(tenant, team):
    # given Ana who chose away herself; when she uses the desk, then she stays away
    ana = agent_named(tenant, "Ana", team=team)
    with tenant_context(tenant):
        set_availability(membership=ana, availability="away", actor=ana)
        note_activity(membership_id=ana.pk)
    assert reload(tenant, ana).availability == "away"


def test_desk_requests_note_activity_but_polling_does_not(tenant, desk):
    # given an agent who never used the desk
    ana = agent_named(tenant, "Ana", team=desk["team"])
    client = host_client(tenant, ana)
    # when the page polls by htmx, then nothing is noted
    client.get("/desk/", HTTP_HX_REQUEST="true")
    assert reload(tenant, ana).last_active_at is None
    # when she opens a page, then it is
    client.get("/desk/")
    assert reload(tenant, ana).last_active_at is not None


def test_desk_requests_ask_the_shared_cache_about_a_member_once_a_minute_per_process(tenant, desk):
    # given an agent whose first page noted her activity
    ana = agent_named(tenant, "Ana", team=desk["team"])
    client = host_client(tenant, ana)
    client.get("/desk/")
    with tenant_context(tenant):
        Membership.objects.filter(pk=ana.pk).update(last_active_at=None)
    # when the shared throttle key is gone (another process's minute) and she opens pages within the minute
    cache.clear()
    client.get("/desk/")
    # then this process does not ask again: nothing is noted
    assert reload(tenant, ana).last_active_at is None
    # and once its minute has passed it asks, and notes her activity
    later = time.monotonic() + THROTTLE_SECONDS + 1
    with mock.patch("routing.availability.middleware.time.monotonic", return_value=later):
        client.get("/desk/")
    assert reload(tenant, ana).last_active_at is not None


def test_tickets_of_an_agent_offline_too_long_return_to_the_queue(tenant, team):
    # given the tenant's offline limit of 60 minutes, Ana offline for 2 hours with two open tickets, Ben online
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(return_after_offline_minutes=60)
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    agent_named(tenant, "Ben", team=team)
    give_load(tenant, ana, 2, queue=queue)
    with tenant_context(tenant):
        Membership.objects.filter(pk=ana.pk).update(availability_changed_at=timezone.now() - timedelta(hours=2))
        # when the offline rule runs
        returned = return_offline_work(tenant=Tenant.objects.get(pk=tenant.pk))
        tickets = list(Ticket.objects.filter(queue=queue).order_by("pk"))
        events = TicketEvent.objects.filter(kind="unassigned", reason="offline_return").count()
        task = PendingTask.objects.filter(task_name=ASSIGN_WAITING_TASK, kwargs__trigger="offline_return").exists()
    # then both are back in the queue, unassigned, recorded, and their assignment to Ben is queued
    assert returned == 2
    assert all(t.assignee_id is None for t in tickets)
    assert events == 2 and task
    assert words(tenant, tickets[0])[0] == "Returned to the queue: Ana was offline for more than 1 hour."


def test_offline_rule_off_returns_nothing(tenant, team):
    # given the rule off (0) and an agent offline for days; when it runs, then nothing returns
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team, availability="offline")
    give_load(tenant, ana, 1, queue=queue)
    with tenant_context(tenant):
        Membership.objects.filter(pk=ana.pk).update(availability_changed_at=timezone.now() - timedelta(days=3))
        assert return_offline_work(tenant=Tenant.objects.get(pk=tenant.pk)) == 0


def test_settings_page_saves_the_rules_with_an_audit_row(tenant, admin):
    # given an admin on the settings page
    client = host_client(tenant, admin)
    assert client.get("/desk/settings/routing/availability/").status_code == 200
    # when they set 15 idle minutes and 120 offline minutes
    response = client.post(
        "/desk/settings/routing/availability/",
        {"away_after_idle_minutes": "15", "return_after_offline_minutes": "120"},
        follow=True,
    )
    # then the tenant has them, the change is audited, and the page says so
    assert "Availability rules saved." in response.text
    tenant.refresh_from_db()
    assert (tenant.away_after_idle_minutes, tenant.return_after_offline_minutes) == (15, 120)
    with tenant_context(tenant):
        change = ConfigChange.objects.get(area="routing.assignment")
    assert change.after == {"away_after_idle_minutes": 15, "return_after_offline_minutes": 120}


def test_settings_page_refuses_bad_minutes_with_a_message(tenant, admin):
    # given an admin; when they type a negative and a huge number, then the form says why, nothing saved
    response = host_client(tenant, admin).post(
        "/desk/settings/routing/availability/",
        {"away_after_idle_minutes": "-1", "return_after_offline_minutes": "99999999"},
    )
    assert response.status_code == 400
    tenant.refresh_from_db()
    assert tenant.away_after_idle_minutes == 0


def test_settings_page_lists_agents_in_a_fixed_number_of_queries(tenant, admin, team):
    # given two agents, then ten more; the page's query count does not grow
    from tests.conftest import count_queries

    client = host_client(tenant, admin)
    for index in range(2):
        agent_named(tenant, f"A{index}", team=team)
    few = count_queries(client, "/desk/settings/routing/availability/")
    for index in range(10):
        agent_named(tenant, f"B{index}", team=team)
    assert count_queries(client, "/desk/settings/routing/availability/") == few


def test_idle_rule_off_marks_nobody_away(tenant, team):
    # given the rule off (the default) and an agent idle for days; when it runs, then she stays online
    ana = agent_named(tenant, "Ana", team=team)
    with tenant_context(tenant):
        Membership.objects.filter(pk=ana.pk).update(availability_changed_at=timezone.now() - timedelta(days=3))
        assert mark_idle_away(tenant=Tenant.objects.get(pk=tenant.pk)) == 0
    assert reload(tenant, ana).availability == "online"


@pytest.mark.django_db(transaction=True)
def test_periodic_tasks_apply_each_tenants_rules(tenant, other_tenant):
    # given acme with both rules on, an idle agent and an agent offline for a day with an open ticket, and globex
    # with the rules off and an idle agent of its own
    from routing.availability.tasks import mark_idle_away_task, return_offline_work_task

    Tenant.objects.filter(pk=tenant.pk).update(away_after_idle_minutes=30, return_after_offline_minutes=60)
    with tenant_context(tenant):
        team = Team.objects.create(name="Frontline")
    queue = make_queue(tenant, "manual", team=team)
    idle = agent_named(tenant, "Ida", team=team)
    gone = agent_named(tenant, "Gus", team=team, availability="offline")
    give_load(tenant, gone, 1, queue=queue)
    globex_idle = agent_named(other_tenant, "Gil")
    day_ago = timezone.now() - timedelta(days=1)
    for owner_tenant, member in ((tenant, idle), (tenant, gone), (other_tenant, globex_idle)):
        with tenant_context(owner_tenant):
            Membership.objects.filter(pk=member.pk).update(availability_changed_at=day_ago)
    # when beat runs both jobs
    away, returned = mark_idle_away_task(), return_offline_work_task()
    # then only acme's rules acted
    assert (away, returned) == (1, 1)
    assert reload(tenant, idle).availability == "away"
    assert reload(other_tenant, globex_idle).availability == "online"
