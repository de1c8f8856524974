"""Each report's figures on the hand-built help desk of tests/reporting/conftest.py, whose answers are worked
out by hand there."""

from __future__ import annotations

import pytest

from reporting.reports import agents, quality, sla_report, speed, volume
from tests.reporting.helpers import build, row, section

pytestmark = pytest.mark.django_db

HOUR = 3600


def test_volume_counts_created_resolved_and_open_by_tenant_day(known):
    # given the hand-built desk (T4 merged)
    # when the volume report covers 6-19 January
    report = build(known["tenant"], volume.build)
    # then T1 arrived on Friday 10th and T2, T3, T5 on Monday 13th (T4, merged, is left out)
    assert row(report, "Created, resolved and open over time", "Fri 10 Jan 2025")[0] == 1
    assert row(report, "Created, resolved and open over time", "Mon 13 Jan 2025")[:2] == [3, 3]
    # and T2's second resolution counts on Tuesday
    assert row(report, "Created, resolved and open over time", "Tue 14 Jan 2025")[:2] == [0, 1]
    # and the open backlog follows the status history: nothing before T1, then T1, then T5 only
    assert row(report, "Created, resolved and open over time", "Thu 09 Jan 2025")[2] == 0
    assert row(report, "Created, resolved and open over time", "Fri 10 Jan 2025")[2] == 1
    assert row(report, "Created, resolved and open over time", "Mon 13 Jan 2025")[2] == 1
    assert row(report, "Created, resolved and open over time", "Sun 19 Jan 2025")[2] == 1
    # and the totals count distinct tickets: 4 created, 3 resolved, 1 open now
    assert row(report, "Created, resolved and open over time", "Total") == [4, 3, 1]


def test_volume_heat_map_counts_arrivals_on_the_local_clock(known):
    # when the volume report is built
    report = build(known["tenant"], volume.build)
    # then Monday 09:00 (Berlin) has three arrivals and Friday 17:00 one
    assert row(report, "Arrivals by weekday and hour", "Mon")[9] == 3
    assert row(report, "Arrivals by weekday and hour", "Fri")[17] == 1
    assert sum(sum(v for v in row(report, "Arrivals by weekday and hour", d)) for d in ("Mon", "Fri")) == 4


def test_volume_counts_a_moved_ticket_once_under_its_queue_now(known):
    # given T5 moved from General to Billing
    # when the report is filtered by each queue
    billing = build(known["tenant"], volume.build, queue=known["billing"].pk)
    general = build(known["tenant"], volume.build, queue=known["queue"].pk)
    # then T5 counts under Billing only
    assert row(billing, "Created, resolved and open over time", "Total")[0] == 1
    assert row(general, "Created, resolved and open over time", "Total")[0] == 3


def test_speed_first_response_median_and_90th_percentile(known):
    # when the speed report is built
    report = build(known["tenant"], speed.build)
    # then calendar first responses are T1 64 h, T2 1 h, T3 0.5 h: median 1 h; p90 = 1 h + 0.8 x 63 h
    assert row(report, "First response and resolution", "First response, calendar time") == [3, 1.0, 51.4]
    # and business time is the SLA engine's: T1 across the weekend 2 h (Fri 17-18, Mon 08-09), T2 1 h, T3 0.5 h
    assert row(report, "First response and resolution", "First response, business time") == [3, 1.0, 1.8]


def test_speed_resolution_uses_first_and_final_resolution_events(known):
    # when the speed report is built
    report = build(known["tenant"], speed.build)
    # then final resolutions: T1 65 h, T2 27 h (resolved again Tuesday 12:00), T3 3 h: median 27 h
    assert row(report, "First response and resolution", "Final resolution, calendar time")[:2] == [3, 27.0]
    # and first resolutions: T1 65 h, T2 2 h, T3 3 h: median 3 h
    assert row(report, "First response and resolution", "First resolution, calendar time")[:2] == [3, 3.0]


def test_quality_reopen_rate_ignores_pending_to_open_and_merged(known):
    # when the quality report is built
    report = build(known["tenant"], quality.build)
    rates = "Reopens, first-contact resolution and escalations"
    # then of T1, T2, T3 (finally resolved) only T2 reopened: T3's pending -> open is not a reopen
    assert row(report, rates, "Reopened") == [1, 3, 33.3]
    # and only T1 was resolved after one staff reply and never reopened
    assert row(report, rates, "First-contact resolution") == [1, 3, 33.3]
    # and one of four created tickets (T5) was escalated
    assert row(report, rates, "Escalated") == [1, 4, 25.0]


def test_quality_satisfaction_average_distribution_and_comments(known):
    # when the quality report is built
    report = build(known["tenant"], quality.build)
    # then two ratings, 5 and 2, average 3.5
    assert row(report, "Customer satisfaction", "5 of 5")[0] == 1
    assert row(report, "Customer satisfaction", "2 of 5")[0] == 1
    assert row(report, "Customer satisfaction", "All ratings") == [2, 3.5]
    # and the comment is listed with its ticket
    comments = section(report, "Latest comments").table.rows
    assert [(label, cells[1].value) for label, cells in comments] == [
        (known["tenant"].format_ticket_number(known["t1"].number), "Great help")
    ]


def test_sla_compliance_counts_overdue_running_targets_as_breached(known):
    # when the SLA report is built
    report = build(known["tenant"], sla_report.build)
    # then first responses: T1, T2, T3 met, T5 overdue since Monday 13:00 -> 3 of 4
    assert row(report, "Compliance per target", "First response") == [3, 1, 75.0]
    # and resolutions: T1, T2, T3 met; T5 overdue since Friday 17th 09:00 (40 business hours)
    assert row(report, "Compliance per target", "Resolution") == [3, 1, 75.0]
    # and the breaches fall on Monday 13th and Friday 17th
    assert row(report, "Breaches over time", "Mon 13 Jan 2025")[2] == 1
    assert row(report, "Breaches over time", "Fri 17 Jan 2025")[2] == 1
    # and per queue: T5's breaches are Billing's, where it is now
    assert row(report, "Compliance per queue", "Billing")[:2] == [0, 2]


def test_agents_credits_the_assignee_at_resolution_only(known):
    # given T1 held by Bea, then handed to Ali who resolved it
    # when the agents report is built
    report = build(known["tenant"], agents.build)
    ali = known["ali"].display_name or known["ali"].user.email
    bea = known["bea"].display_name or known["bea"].user.email
    # then Ali handled T1 and T2, Bea T3: each ticket once
    assert row(report, "Agents", ali)[0] == 2
    assert row(report, "Agents", bea)[0] == 1
    # and Ali's satisfaction is T1's 5
    assert row(report, "Agents", ali)[3] == 5.0
