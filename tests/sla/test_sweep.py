"""The SLA sweep: warnings and breaches at their true times, once, after any outage; notifications to the assignee
and the queue's supervisors; nothing told for replayed history; overlapping runs; a ticket the feed has not
caught up with waits.

Moving the clock: tickets are opened and changed in the past through tickets.clock.replaying (the `at` and
`opened` fixtures), and the sweep is run with `now=` a later moment, as if it had not run in between."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections

from sla.models import SlaAlert, SlaTarget
from sla.sweep import sweep
from tenancy.context import tenant_context
from tenancy.models import PendingTask
from tests.sla.conftest import berlin
from tickets import services
from tickets.feed.dispatch import drain
from tickets.models import Notification, TeamMembership, TicketEvent
from tickets.services.notifications import update_preferences

pytestmark = pytest.mark.django_db

# A ticket opened Monday 6 Jan 2025 09:00 (Berlin, Mon-Fri 08-18, normal priority): first response warns at 12:12
# (80 % of 4 business hours) and is due 13:00; resolution (40 h) warns Thursday 11:00 and is due Friday 09:00.
OPENED = berlin(2025, 1, 6, 9)
FR_WARN, FR_DUE = berlin(2025, 1, 6, 12, 12), berlin(2025, 1, 6, 13)


@pytest.fixture
def watched(tenant, desk, supervisor, opened, at, agent):
    """A ticket opened at OPENED and assigned to the agent; the supervisor is in the queue's team."""
    with tenant_context(tenant):
        TeamMembership.objects.create(team=desk["team"], membership=supervisor)
    ticket = opened(OPENED)
    at(OPENED + timedelta(minutes=1), services.assign, ticket=ticket, assignee=agent, actor=agent)
    settle(tenant)
    return ticket


def settle(tenant) -> None:
    """Let the change feed hand everything over (the drain task would, on commit)."""
    with tenant_context(tenant):
        drain()


def run(tenant, now):
    with tenant_context(tenant):
        return sweep(now=now)


def alerts(tenant, ticket) -> list[tuple[str, str, object]]:
    with tenant_context(tenant):
        rows = SlaAlert.objects.filter(ticket=ticket).order_by("at", "kind")
        return [(row.target_kind, row.kind, row.at) for row in rows]


def notices(tenant, ticket) -> list[tuple[str, int]]:
    with tenant_context(tenant):
        rows = Notification.objects.filter(ticket=ticket, kind__startswith="sla_").order_by("kind", "recipient_id")
        return [(row.kind, row.recipient_id) for row in rows]


def test_sweep_records_the_warning_then_the_breach_at_their_true_times(tenant, watched, agent, supervisor):
    # given the ticket at 12:30, past its first response's warning
    # when the sweep runs then, and again at 13:20
    first = run(tenant, berlin(2025, 1, 6, 12, 30))
    # then the warning is recorded at 12:12 (not 12:30), and the assignee and the supervisor are told
    assert (first.warnings, first.breaches) == (1, 0)
    assert alerts(tenant, watched) == [("first_response", "warning", FR_WARN)]
    assert notices(tenant, watched) == [("sla_warning", agent.pk), ("sla_warning", supervisor.pk)]
    run(tenant, berlin(2025, 1, 6, 13, 20))
    assert alerts(tenant, watched)[-1] == ("first_response", "breach", FR_DUE)
    # and the ticket's history says so, at the true times
    with tenant_context(tenant):
        events = list(
            TicketEvent.objects.filter(ticket=watched, kind__startswith="sla_")
            .order_by("created_at", "id")
            .values_list("kind", "created_at")
        )
        target = SlaTarget.objects.get(ticket=watched, kind="first_response")
    assert events == [("sla_warning", FR_WARN), ("sla_breached", FR_DUE)]
    # and the target knows, and will next be looked at for nothing (no ladder): off the sweep's index
    assert (target.warned_at, target.breached_at, target.next_check_at) == (FR_WARN, FR_DUE, None)


def test_sweep_twice_at_the_same_moment_records_nothing_twice(tenant, watched):
    # given a sweep that recorded the warning
    run(tenant, berlin(2025, 1, 6, 12, 30))
    before = (alerts(tenant, watched), notices(tenant, watched))
    # when it runs again, at the same moment and a minute later
    again = run(tenant, berlin(2025, 1, 6, 12, 30))
    later = run(tenant, berlin(2025, 1, 6, 12, 31))
    # then nothing new is recorded or told
    assert (again.warnings, again.breaches, later.warnings, later.breaches) == (0, 0, 0, 0)
    assert (alerts(tenant, watched), notices(tenant, watched)) == before


def test_sweep_after_a_long_outage_records_the_breach_once_and_no_late_warning(tenant, watched, agent, supervisor):
    # given a sweep that did not run from Monday morning until Tuesday 10:00 (the worker was down)
    # when it runs then
    result = run(tenant, berlin(2025, 1, 7, 10))
    # then the first response's breach is recorded once, at 13:00 Monday, with no warning before it
    assert alerts(tenant, watched) == [("first_response", "breach", FR_DUE)]
    assert (result.warnings, result.breaches) == (0, 1)
    # and only the breach is told
    assert notices(tenant, watched) == [("sla_breach", agent.pk), ("sla_breach", supervisor.pk)]
    # when later runs come
    run(tenant, berlin(2025, 1, 7, 10, 1))
    run(tenant, berlin(2025, 1, 7, 11))
    # then still one breach and one notification each
    assert alerts(tenant, watched) == [("first_response", "breach", FR_DUE)]
    assert len(notices(tenant, watched)) == 2


def test_sweep_catches_up_each_target_at_its_own_time(tenant, watched):
    # given no sweep from Monday until Thursday 11:00
    # when it runs
    run(tenant, berlin(2025, 1, 9, 12))
    # then the first response breached Monday 13:00, and resolution warned Thursday 11:00 (80 % of 40 h: 9 + 10
    # + 10 + 3 business hours)
    assert alerts(tenant, watched) == [
        ("first_response", "breach", FR_DUE),
        ("resolution", "warning", berlin(2025, 1, 9, 11)),
    ]


def test_sweep_tells_nobody_of_deadlines_passed_in_replayed_history(tenant, desk, opened, at, agent, supervisor):
    # given an imported ticket whose history runs to Tuesday 11:00, past its first response's due
    with tenant_context(tenant):
        TeamMembership.objects.create(team=desk["team"], membership=supervisor)
    ticket = opened(OPENED)
    at(berlin(2025, 1, 7, 11), services.add_note, ticket=ticket, actor=agent, body="Imported note")
    at(berlin(2025, 1, 7, 11), services.assign, ticket=ticket, assignee=agent, actor=agent)
    settle(tenant)
    # when the sweep runs after the import
    run(tenant, berlin(2025, 1, 7, 11, 30))
    # then the breach is recorded with its true time, but nobody is told
    with tenant_context(tenant):
        alert = SlaAlert.objects.get(ticket=ticket)
    assert (alert.kind, alert.at, alert.notified) == ("breach", FR_DUE, False)
    assert notices(tenant, ticket) == []
    # and a deadline after the import's end is told as usual (resolution warns Thursday 11:00)
    run(tenant, berlin(2025, 1, 9, 11, 5))
    assert notices(tenant, ticket) == [("sla_warning", agent.pk), ("sla_warning", supervisor.pk)]


@pytest.mark.django_db(transaction=True)  # the reply's own transaction makes its own feed entry
def test_sweep_waits_for_the_feed_so_a_reply_in_time_is_no_breach(tenant, watched, at, agent):
    # given a staff reply at 12:59 that the SLA subscriber has not taken yet (the feed lags)
    at(berlin(2025, 1, 6, 12, 59), services.reply, ticket=watched, actor=agent, body="On it")
    # when the sweep runs at 13:05
    result = run(tenant, berlin(2025, 1, 6, 13, 5))
    # then it leaves the ticket for later rather than report a breach
    assert alerts(tenant, watched) == []
    assert result.deferred == 1
    # and once the feed caught up, the target is met: no breach ever
    settle(tenant)
    run(tenant, berlin(2025, 1, 6, 13, 6))
    assert [kind for _target, kind, _at in alerts(tenant, watched)] == []
    with tenant_context(tenant):
        assert SlaTarget.objects.get(ticket=watched, kind="first_response").state == "met"


def test_sweep_notifications_mail_by_each_members_preference(tenant, watched, agent, supervisor):
    # given the supervisor mails no SLA breaches, the agent keeps the default (mailed)
    with tenant_context(tenant):
        update_preferences(membership=supervisor, email={"sla_breach": False})
    # when the breach is recorded
    run(tenant, berlin(2025, 1, 6, 13, 30))
    # then both see it in the app, and one outbox row mails the agent's only
    with tenant_context(tenant):
        notified = dict(Notification.objects.filter(kind="sla_breach").values_list("recipient_id", "pk"))
        mails = list(PendingTask.objects.filter(task_name="sla.send_alert_mails").values_list("kwargs", flat=True))
    assert set(notified) == {agent.pk, supervisor.pk}
    assert mails == [{"notification_ids": [notified[agent.pk]]}]


def test_sweep_tells_every_supervisor_when_the_queue_has_no_team(tenant, desk, opened, supervisor):
    # given a queue without a team and a ticket nobody is assigned to
    with tenant_context(tenant):
        desk["queue"].team = None
        desk["queue"].save(update_fields=["team"])
    ticket = opened(OPENED)
    settle(tenant)
    # when it breaches
    run(tenant, berlin(2025, 1, 6, 14))
    # then the tenant's supervisors are told
    assert notices(tenant, ticket) == [("sla_breach", supervisor.pk)]


def test_sweep_does_not_tell_supervisors_outside_the_queues_team(tenant, watched, agent):
    # given a second supervisor who is not in the queue's team
    from tests.conftest import make_member

    outsider = make_member(tenant, "supervisor", "outsider@acme.example")
    # when the ticket breaches
    run(tenant, berlin(2025, 1, 6, 14))
    # then the outsider is not told
    assert outsider.pk not in {member for _kind, member in notices(tenant, watched)}


def test_sweep_leaves_other_tenants_alone(tenant, other_tenant, watched):
    # given acme's ticket is due
    # when globex's sweep runs
    result = run(other_tenant, berlin(2025, 1, 7, 10))
    # then it saw nothing of acme's
    assert (result.warnings, result.breaches) == (0, 0)
    assert alerts(tenant, watched) == []


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_sweeps_record_and_tell_each_thing_once(tenant, desk, supervisor, opened, agent):
    # given twenty tickets past their first response's due
    with tenant_context(tenant):
        TeamMembership.objects.create(team=desk["team"], membership=supervisor)
    tickets = [opened(OPENED) for _ in range(20)]
    settle(tenant)
    moment = berlin(2025, 1, 6, 14)
    barrier = threading.Barrier(2)
    failures = []

    def one_sweep():
        try:
            barrier.wait()
            run(tenant, moment)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    # when two sweeps run at the same time (the lease would normally keep the second out)
    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every breach is recorded once and told once
    assert failures == []
    with tenant_context(tenant):
        assert SlaAlert.objects.filter(kind="breach").count() == 20
        assert Notification.objects.filter(kind="sla_breach").count() == 20
        assert {t.pk for t in tickets} == set(SlaAlert.objects.values_list("ticket_id", flat=True))
