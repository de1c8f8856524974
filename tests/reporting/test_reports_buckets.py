"""Buckets are the tenant's calendar days in its zone: DST days have 23 and 25 hours, and neither the database's
UTC nor a viewer's own display zone moves a ticket to another day."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from reporting.reports import volume
from reporting.reports.period import Period
from tenancy.context import tenant_context
from tests.reporting.helpers import row
from tests.sla.conftest import BERLIN, berlin
from tickets import clock, services

pytestmark = pytest.mark.django_db


def test_period_day_buckets_have_23_and_25_hours_on_dst_days():
    # given March and October 2025 in Berlin
    spring = Period(first_day=date(2025, 3, 29), last_day=date(2025, 3, 31), zone=BERLIN)
    autumn = Period(first_day=date(2025, 10, 26), last_day=date(2025, 10, 26), zone=BERLIN)
    # then the day clocks go forward is 23 hours long, the day they go back 25
    # (measured in UTC: Python subtracts two times of one zone on the wall clock)
    lengths = [end.astimezone(UTC) - start.astimezone(UTC) for start, end in spring.buckets()]
    assert lengths == [timedelta(hours=24), timedelta(hours=23), timedelta(hours=24)]
    assert [end.astimezone(UTC) - start.astimezone(UTC) for start, end in autumn.buckets()] == [timedelta(hours=25)]


def test_period_weeks_start_on_monday():
    period = Period(first_day=date(2025, 1, 8), last_day=date(2025, 1, 20), zone=BERLIN, interval="week")
    assert [start.date() for start, _ in period.buckets()] == [date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20)]


def test_volume_buckets_a_dst_day_in_the_tenant_zone(berlin_tenant, desk, supervisor):
    # given tickets at 00:30 (CET, still 29 March in UTC) and 23:30 (CEST) on Sunday 30 March, and 00:10 on 31 March
    contact = desk["contact"]
    for moment in (berlin(2025, 3, 30, 0, 30), berlin(2025, 3, 30, 23, 30), berlin(2025, 3, 31, 0, 10)):
        with tenant_context(berlin_tenant), clock.replaying(moment):
            services.create_ticket(actor=contact, contact=contact, subject="DST", body="b")
    # and the supervisor's own display zone is New York
    supervisor.user.timezone = "America/New_York"
    supervisor.user.save(update_fields=["timezone"])
    # when the volume report covers 29-31 March by day
    from django.http import QueryDict

    from reporting.reports.filters import ReportFilters

    with tenant_context(berlin_tenant):
        f = ReportFilters(
            QueryDict("start=2025-03-29&end=2025-03-31&interval=day"), tenant=berlin_tenant, today=date(2025, 3, 31)
        )
        report = volume.build(f, now=berlin(2025, 4, 1, 12))
    # then the 23-hour Sunday holds both of its tickets and Monday the third
    title = "Created, resolved and open over time"
    assert row(report, title, "Sat 29 Mar 2025")[0] == 0
    assert row(report, title, "Sun 30 Mar 2025")[0] == 2
    assert row(report, title, "Mon 31 Mar 2025")[0] == 1
    # and the heat map puts them at their local hours
    assert row(report, "Arrivals by weekday and hour", "Sun")[0] == 1
    assert row(report, "Arrivals by weekday and hour", "Sun")[23] == 1


def test_volume_hour_buckets_follow_the_local_clock(berlin_tenant, desk):
    # given a ticket at 03:15 CEST on 30 March (the hour 02:00-03:00 does not exist that day)
    contact = desk["contact"]
    with tenant_context(berlin_tenant), clock.replaying(berlin(2025, 3, 30, 3, 15)):
        services.create_ticket(actor=contact, contact=contact, subject="DST", body="b")
    from django.http import QueryDict

    from reporting.reports.filters import ReportFilters

    with tenant_context(berlin_tenant):
        f = ReportFilters(
            QueryDict("start=2025-03-30&end=2025-03-30&interval=hour"), tenant=berlin_tenant, today=date(2025, 3, 30)
        )
        report = volume.build(f, now=berlin(2025, 4, 1, 12))
    # then it is in the 03:00 bucket
    assert row(report, "Created, resolved and open over time", "Sun 30 Mar 03:00")[0] == 1
