"""Each dashboard figure on a small hand-built dataset whose answers are counted by hand, with another tenant's
rows present every time (they must never count)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from reporting.dashboard import panels, periods
from tenancy.context import tenant_context
from tenancy.models import Membership
from tenancy.roles import Role
from tests.sla.factories import SlaPolicyFactory, SlaTargetFactory
from tests.tenancy.factories import MembershipFactory
from tests.tickets.factories import (
    QueueFactory,
    SatisfactionRatingFactory,
    TeamMembershipFactory,
    TicketEventFactory,
    TicketFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday: the tenant's week began on Monday 9 March at 00:00 in Berlin (8 March 23:00 UTC).
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=BERLIN)
TODAY = periods.Window(datetime(2026, 3, 11, tzinfo=BERLIN), NOW)
WEEK = periods.Window(datetime(2026, 3, 9, tzinfo=BERLIN), NOW)

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin_tenant(tenant):
    tenant.timezone = "Europe/Berlin"
    tenant.save(update_fields=["timezone"])
    return tenant


@pytest.fixture
def boss(berlin_tenant):
    return MembershipFactory(tenant=berlin_tenant, role=Role.SUPERVISOR)


@pytest.fixture
def noise(other_tenant):
    """Another tenant's open, at-risk, rated and resolved tickets: none of them may count."""
    ticket = TicketFactory(tenant=other_tenant, created_at=NOW - timedelta(hours=1))
    policy = SlaPolicyFactory(tenant=other_tenant)
    SlaTargetFactory(tenant=other_tenant, ticket=ticket, policy=policy, due_at=NOW - timedelta(hours=1))
    SlaTargetFactory(
        tenant=other_tenant, ticket=ticket, policy=policy, kind="first_response", state="met", due_at=None,
        met_at=NOW - timedelta(hours=1),
    )  # fmt: skip
    SatisfactionRatingFactory(tenant=other_tenant, ticket=ticket, score=1, created_at=NOW - timedelta(hours=1))
    TicketEventFactory(
        tenant=other_tenant, ticket=ticket, kind="status_changed", field="status", old_value="open",
        new_value="resolved", created_at=NOW - timedelta(hours=1),
    )  # fmt: skip
    return ticket


def _scope(member):
    return panels.desk_scope(member)


def test_periods_follow_the_tenants_calendar_day_and_monday_weeks(berlin_tenant):
    # given a moment on the night DST starts in Berlin (29 March 2026, a Sunday: 23 hours long)
    moment = datetime(2026, 3, 29, 22, 30, tzinfo=BERLIN)
    # when the day and week are computed
    day, week = periods.today(berlin_tenant, moment), periods.this_week(berlin_tenant, moment)
    # then the day starts at local midnight (still +01:00), the week on Monday 23 March
    assert day.start == datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    assert day.start.utcoffset() == timedelta(hours=1) and moment.utcoffset() == timedelta(hours=2)
    # 22:30 local is 21 h 30 min after midnight in real time: the hour from 02:00 to 03:00 does not exist
    assert day.end.astimezone(UTC) - day.start.astimezone(UTC) == timedelta(hours=21, minutes=30)
    assert week.start == datetime(2026, 3, 23, 0, 0, tzinfo=BERLIN)


def test_backlog_counts_open_tickets_per_queue_and_status(berlin_tenant, boss, noise):
    # given two queues: Alpha with 2 new and 1 pending, Beta with 1 open; plus resolved and spam tickets
    alpha = QueueFactory(tenant=berlin_tenant, name="Alpha")
    beta = QueueFactory(tenant=berlin_tenant, name="Beta")
    for status, queue, is_open in [
        ("new", alpha, True), ("new", alpha, True), ("pending", alpha, True), ("open", beta, True),
        ("resolved", beta, False), ("spam", alpha, False),
    ]:  # fmt: skip
        TicketFactory(tenant=berlin_tenant, queue=queue, status=status, is_open=is_open)
    # when the backlog is read
    with tenant_context(berlin_tenant):
        backlog = panels.backlog(_scope(boss))
    # then each queue's open tickets by status (new, open, pending, on hold), and the totals
    assert [(row.queue_name, row.cells, row.total) for row in backlog.rows] == [
        ("Alpha", [2, 0, 1, 0], 3),
        ("Beta", [0, 1, 0, 0], 1),
    ]
    assert backlog.totals == [2, 1, 1, 0] and backlog.total == 4


def test_due_targets_lists_breached_then_at_risk_soonest_due_first(berlin_tenant, boss, noise):
    # given running targets: breached an hour ago, breached 10 min ago, warned and due in 30 min; and others that
    # are not at risk: warning still ahead, paused, met, on a closed ticket
    policy = SlaPolicyFactory(tenant=berlin_tenant)

    def target(*, due, warn=None, state="running", is_open=True, kind="resolution"):
        # next_due_at as the SLA engine keeps it: the earliest due of the ticket's running targets
        next_due = due if state == "running" else None
        status = "open" if is_open else "closed"
        ticket = TicketFactory(tenant=berlin_tenant, is_open=is_open, status=status, next_due_at=next_due)
        SlaTargetFactory(
            tenant=berlin_tenant, ticket=ticket, policy=policy, state=state, kind=kind, due_at=due, warn_at=warn
        )
        return ticket

    late = target(due=NOW - timedelta(hours=1), warn=NOW - timedelta(hours=2))
    just_late = target(due=NOW - timedelta(minutes=10), kind="first_response")  # no warning configured
    at_risk = target(due=NOW + timedelta(minutes=30), warn=NOW - timedelta(minutes=5))
    target(due=NOW + timedelta(hours=3), warn=NOW + timedelta(hours=1))
    target(due=None, state="paused")
    target(due=None, state="met")
    target(due=NOW - timedelta(hours=1), warn=NOW - timedelta(hours=2), is_open=False)
    # when the at-risk list is read
    with tenant_context(berlin_tenant):
        due = panels.due_targets(_scope(boss), NOW, tenant=berlin_tenant)
    # then the breached come first (most overdue at the top), then the one at risk
    assert [row.number for row in due.rows] == [late.number, just_late.number, at_risk.number]
    assert [(row.breached, row.at_risk) for row in due.rows] == [(True, False), (True, False), (False, True)]
    assert (due.breached, due.at_risk, due.more) == (2, 1, 0)
    assert due.rows[1].kind == "First response"


def test_unassigned_counts_open_tickets_without_owner_and_the_longest_wait(berlin_tenant, boss, noise):
    # given two unassigned open tickets (3 h and 1 h old), one assigned, one unassigned but resolved
    oldest = NOW - timedelta(hours=3)
    TicketFactory(tenant=berlin_tenant, created_at=oldest)
    TicketFactory(tenant=berlin_tenant, created_at=NOW - timedelta(hours=1))
    TicketFactory(tenant=berlin_tenant, assignee=boss, created_at=NOW - timedelta(days=3))
    TicketFactory(tenant=berlin_tenant, status="resolved", is_open=False, created_at=NOW - timedelta(days=4))
    # when the panel is read
    with tenant_context(berlin_tenant):
        found = panels.unassigned(_scope(boss))
    # then two wait, the oldest since 3 h
    assert (found.count, found.oldest) == (2, oldest)


def test_agents_show_each_online_members_load_against_capacity(berlin_tenant, boss, noise):
    # given an online agent with 3 open tickets (and 1 closed) for a capacity of 2, an online agent with none,
    # one away and one offline; a customer is never listed
    busy = MembershipFactory(tenant=berlin_tenant, role=Role.AGENT, availability="online", capacity=2)
    idle = MembershipFactory(tenant=berlin_tenant, role=Role.AGENT, availability="online", capacity=5)
    MembershipFactory(tenant=berlin_tenant, role=Role.AGENT, availability="away")
    MembershipFactory(tenant=berlin_tenant, role=Role.CUSTOMER, availability="online")
    for _ in range(3):
        TicketFactory(tenant=berlin_tenant, assignee=busy)
    TicketFactory(tenant=berlin_tenant, assignee=busy, status="closed", is_open=False)
    # when the panel is read
    with tenant_context(berlin_tenant):
        agents = panels.agents(_scope(boss))
    # then the busiest first, over capacity; the boss (offline by default) and the away agent are only counted
    online = [(a.pk, a.load, a.capacity, a.over) for a in agents.online]
    assert online == [(busy.pk, 3, 2, True), (idle.pk, 0, 5, False)]
    assert (agents.away, agents.offline) == (1, 1)
    assert agents.online[0].percent == 150


def test_flow_counts_created_and_resolved_in_the_tenants_day(berlin_tenant, boss, noise):
    # given tickets created at 00:30 Berlin today (23:30 UTC yesterday) and at 23:30 Berlin yesterday, spam today
    # and a ticket merged into another today
    first = TicketFactory(tenant=berlin_tenant, created_at=datetime(2026, 3, 11, 0, 30, tzinfo=BERLIN))
    TicketFactory(tenant=berlin_tenant, created_at=datetime(2026, 3, 10, 23, 30, tzinfo=BERLIN))
    TicketFactory(tenant=berlin_tenant, status="spam", is_open=False, created_at=NOW - timedelta(hours=1))
    TicketFactory(tenant=berlin_tenant, merged_into=first, created_at=NOW - timedelta(hours=1))
    # and resolutions today: one ticket resolved twice (reopened between), one closed straight from open; not
    # counted: resolved -> closed, and a resolution yesterday
    twice = TicketFactory(tenant=berlin_tenant)
    straight = TicketFactory(tenant=berlin_tenant)
    for ticket, old, new, at in [
        (twice, "open", "resolved", NOW - timedelta(hours=5)),
        (twice, "open", "resolved", NOW - timedelta(hours=1)),
        (straight, "new", "closed", NOW - timedelta(hours=2)),
        (twice, "resolved", "closed", NOW - timedelta(minutes=5)),
        (first, "open", "resolved", datetime(2026, 3, 10, 23, 0, tzinfo=BERLIN)),
    ]:  # fmt: skip
        TicketEventFactory(
            tenant=berlin_tenant, ticket=ticket, kind="status_changed", field="status", old_value=old, new_value=new,
            created_at=at,
        )  # fmt: skip
    # when today's flow is read
    with tenant_context(berlin_tenant):
        flow = panels.flow(_scope(boss), TODAY)
    # then 1 created today (the 00:30 one; the twice/straight tickets were created by the factory at the wall
    # clock's now, outside this fixed day) and 2 tickets resolved
    assert (flow.created, flow.resolved) == (1, 2)


def test_compliance_counts_targets_decided_today_and_this_week(berlin_tenant, boss, noise):
    # given, today: 2 met on time, 1 met late, 1 still running past its due; on Monday: 1 met, 1 met late;
    # not decided in the period: a target met last week, one running and not yet due, one overdue since last week
    policy = SlaPolicyFactory(tenant=berlin_tenant)
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
    last_week = datetime(2026, 3, 6, 9, 0, tzinfo=BERLIN)
    rows = [
        ("met", NOW - timedelta(hours=1), None), ("met", NOW - timedelta(hours=2), None),
        ("breached", NOW - timedelta(hours=3), None), ("running", None, NOW - timedelta(hours=1)),
        ("met", monday, None), ("breached", monday, None),
        ("met", last_week, None), ("running", None, NOW + timedelta(hours=1)), ("running", None, last_week),
    ]  # fmt: skip
    for state, met_at, due_at in rows:
        SlaTargetFactory(tenant=berlin_tenant, policy=policy, state=state, met_at=met_at, due_at=due_at)
    # when compliance is read
    with tenant_context(berlin_tenant):
        today, week = panels.compliance(_scope(boss), TODAY, WEEK)
    # then today 2 met of 4 decided (50 %), this week 3 met of 6
    assert (today.met, today.breached, today.percent) == (2, 2, 50.0)
    assert (week.met, week.breached, week.percent) == (3, 3, 50.0)


def test_satisfaction_averages_this_weeks_ratings(berlin_tenant, boss, noise):
    # given ratings 5, 4 and 2 this week and a 1 last Sunday evening (Berlin)
    for score, at in [(5, NOW - timedelta(hours=1)), (4, WEEK.start), (2, NOW - timedelta(days=1)),
                      (1, WEEK.start - timedelta(minutes=1))]:  # fmt: skip
        SatisfactionRatingFactory(tenant=berlin_tenant, score=score, created_at=at)
    # when CSAT is read
    with tenant_context(berlin_tenant):
        csat = panels.satisfaction(_scope(boss), WEEK)
    # then 3 ratings averaging 3.67, two of them 4 or 5
    assert (csat.ratings, csat.average, csat.satisfied, csat.satisfied_percent) == (3, 3.67, 2, 66.7)


def test_personal_scope_counts_only_the_agents_queues_and_tickets(berlin_tenant, boss, noise):
    # given an agent in team Frontline (queue Alpha); a ticket in Alpha, one assigned to the agent in Beta, and
    # one in Beta for someone else
    agent = MembershipFactory(tenant=berlin_tenant, role=Role.AGENT)
    alpha = QueueFactory(tenant=berlin_tenant, name="Alpha")
    beta = QueueFactory(tenant=berlin_tenant, name="Beta")
    TeamMembershipFactory(tenant=berlin_tenant, team=alpha.team, membership=agent)
    TicketFactory(tenant=berlin_tenant, queue=alpha)
    TicketFactory(tenant=berlin_tenant, queue=beta, assignee=agent, status="open")
    TicketFactory(tenant=berlin_tenant, queue=beta, assignee=boss)
    # when the agent's personal backlog and load are read
    with tenant_context(berlin_tenant):
        agent = Membership.objects.get(pk=agent.pk)
        backlog = panels.backlog(panels.personal_scope(agent))
        agents = panels.agents(panels.personal_scope(agent))
    # then their own two tickets count, and the load panel shows them alone
    assert [(row.queue_name, row.total) for row in backlog.rows] == [("Alpha", 1), ("Beta", 1)]
    assert [(a.pk, a.load) for a in agents.everyone] == [(agent.pk, 1)]


def test_an_agents_due_list_is_their_own_open_tickets_targets_soonest_first(berlin_tenant, boss, noise):
    # given an agent's open tickets with a breached, an at-risk and a not yet warned target; a breached target on
    # their closed ticket (SLA caught up: no next due), and one on a colleague's ticket
    agent = MembershipFactory(tenant=berlin_tenant, role=Role.AGENT)
    policy = SlaPolicyFactory(tenant=berlin_tenant)

    def target(owner, *, due, warn=None, is_open=True):
        status = "open" if is_open else "closed"
        ticket = TicketFactory(tenant=berlin_tenant, assignee=owner, status=status, is_open=is_open,
                               next_due_at=due if is_open else None)  # fmt: skip
        SlaTargetFactory(tenant=berlin_tenant, ticket=ticket, policy=policy, due_at=due, warn_at=warn)
        return ticket

    later = target(agent, due=NOW + timedelta(hours=5), warn=NOW + timedelta(hours=4))
    late = target(agent, due=NOW - timedelta(hours=1), warn=NOW - timedelta(hours=2))
    risky = target(agent, due=NOW + timedelta(minutes=20), warn=NOW - timedelta(minutes=10))
    target(agent, due=NOW - timedelta(hours=3), is_open=False)
    target(boss, due=NOW - timedelta(hours=2))
    # when the agent's own due list is read (every running target, as the personal page shows it)
    with tenant_context(berlin_tenant):
        agent = Membership.objects.get(pk=agent.pk)
        mine = panels.personal_scope(agent).narrowed(Q(assignee=agent))
        due = panels.due_targets(mine, NOW, tenant=berlin_tenant, warned_only=False)
    # then their three open tickets' targets are listed soonest due first, and counted as one breached, one at risk
    assert [row.number for row in due.rows] == [late.number, risky.number, later.number]
    assert (due.breached, due.at_risk) == (1, 1)
