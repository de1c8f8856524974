"""Business-time arithmetic: exact cases people get wrong, and a property test against a minute-by-minute walk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.business_time import (
    Holiday,
    NeverOpen,
    add_business_seconds,
    always_open,
    business_seconds_between,
    compile_calendar,
    is_open,
    next_open,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def office(zone="Europe/Berlin", *, weekdays=((8 * 60, 18 * 60),), weekend=(), **kwargs):
    return compile_calendar(zone_name=zone, hours=[weekdays] * 5 + [weekend] * 2, **kwargs)


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


# ---- nights, weekends, holidays, split shifts ----


def test_add_business_seconds_within_one_day():
    # given a Mon-Fri 08-18 calendar and a Monday 09:00 start
    calendar = office()
    # when 4 business hours are added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 6, 9), 4 * HOUR)
    # then the deadline is 13:00 the same day
    assert due == local(BERLIN, 2025, 1, 6, 13)


def test_add_business_seconds_over_the_night():
    # given a start at 16:00 with 4 hours to go
    calendar = office()
    # when added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 7, 16), 4 * HOUR)
    # then 2 hours are used today and 2 tomorrow from 08:00
    assert due == local(BERLIN, 2025, 1, 8, 10)


def test_add_business_seconds_started_at_night_starts_at_opening():
    # given a start at 22:00
    calendar = office()
    # when one hour is added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 7, 22), HOUR)
    # then the clock starts at 08:00 the next morning
    assert due == local(BERLIN, 2025, 1, 8, 9)


def test_add_business_seconds_over_the_weekend():
    # given Friday 17:00 and 3 hours
    calendar = office()
    # when added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 10, 17), 3 * HOUR)
    # then one hour on Friday and two on Monday
    assert due == local(BERLIN, 2025, 1, 13, 10)


def test_add_business_seconds_skips_public_holidays():
    # given German holidays and Wednesday 31 Dec 2025 17:00 (1 Jan is New Year's Day)
    calendar = office(country="DE")
    # when 2 hours are added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 12, 31, 17), 2 * HOUR)
    # then Thursday 1 Jan is skipped
    assert due == local(BERLIN, 2026, 1, 2, 9)


def test_add_business_seconds_skips_regional_holidays_only_in_their_region():
    # given Epiphany (6 Jan), a holiday in Bavaria but not in Berlin
    bavaria, berlin = office(country="DE", subdivision="BY"), office(country="DE", subdivision="BE")
    start = local(BERLIN, 2025, 1, 6, 9)
    # when one hour is added in each
    # then Bavaria waits for Tuesday while Berlin works on Monday
    assert add_business_seconds(bavaria, start, HOUR) == local(BERLIN, 2025, 1, 7, 9)
    assert add_business_seconds(berlin, start, HOUR) == local(BERLIN, 2025, 1, 6, 10)


def test_add_business_seconds_skips_own_holidays_recurring_and_one_off():
    # given a company day off every 15 June and a one-off closure on 2025-06-16
    calendar = office(
        own_holidays=[Holiday(day=date(2000, 6, 13), recurring=True), Holiday(day=date(2025, 6, 16), name="Move")]
    )
    # when an hour is added on Thursday 12 June 2025 at 17:30
    due = add_business_seconds(calendar, local(BERLIN, 2025, 6, 12, 17, 30), HOUR)
    # then Friday 13 (recurring) and Monday 16 (one-off) are skipped
    assert due == local(BERLIN, 2025, 6, 17, 8, 30)
    assert calendar.holiday_name(date(2031, 6, 13)) == "Holiday"
    assert calendar.holiday_name(date(2025, 6, 16)) == "Move"


def test_add_business_seconds_with_split_shifts():
    # given 08-12 and 13-17 on weekdays
    calendar = office(weekdays=((8 * 60, 12 * 60), (13 * 60, 17 * 60)))
    # when 3 hours are added from 11:00
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 6, 11), 3 * HOUR)
    # then lunch is skipped: 1 hour before, 2 after
    assert due == local(BERLIN, 2025, 1, 6, 15)
    assert not is_open(calendar, local(BERLIN, 2025, 1, 6, 12, 30))
    assert next_open(calendar, local(BERLIN, 2025, 1, 6, 12, 30)) == local(BERLIN, 2025, 1, 6, 13)


def test_add_business_seconds_ending_exactly_at_closing_time():
    # given a start at 17:00 with one hour
    calendar = office()
    # when added
    due = add_business_seconds(calendar, local(BERLIN, 2025, 1, 6, 17), HOUR)
    # then the deadline is 18:00 today, not 08:00 tomorrow
    assert due == local(BERLIN, 2025, 1, 6, 18)


def test_add_zero_seconds_is_the_start_even_when_closed():
    calendar = office()
    start = local(BERLIN, 2025, 1, 11, 3)
    assert add_business_seconds(calendar, start, 0) == start


# ---- 24x7, zones, DST ----


def test_24x7_loses_no_minute_at_midnight():
    # given a 24x7 calendar declared per weekday (00:00-24:00) with a holiday-free week
    calendar = compile_calendar(zone_name="Europe/Berlin", hours=[[(0, 1440)]] * 7, own_holidays=())
    start = local(BERLIN, 2025, 1, 6, 23, 30)
    # when an hour is added across midnight
    due = add_business_seconds(calendar, start, HOUR)
    # then it is exactly one hour later, and the whole day counts 24 hours
    assert due == local(BERLIN, 2025, 1, 7, 0, 30)
    day = local(BERLIN, 2025, 1, 7)
    assert business_seconds_between(calendar, day, day + timedelta(days=1)) == 24 * HOUR


def test_24x7_with_a_holiday_is_computed_per_day_exactly():
    # given a 24x7 calendar that closes on 1 Jan only
    calendar = compile_calendar(
        zone_name="Europe/Berlin", hours=[[(0, 1440)]] * 7, own_holidays=[Holiday(day=date(2026, 1, 1))]
    )
    # when 2 hours are added at 23:00 on 31 Dec
    due = add_business_seconds(calendar, local(BERLIN, 2025, 12, 31, 23), 2 * HOUR)
    # then one hour before midnight, the holiday skipped, one hour on 2 Jan
    assert due == local(BERLIN, 2026, 1, 2, 1)


def test_calendar_in_another_zone_than_the_server():
    # given a New York office (09-17) and a start given in UTC
    calendar = office("America/New_York", weekdays=((9 * 60, 17 * 60),))
    start = datetime(2025, 1, 6, 13, 0, tzinfo=UTC)  # 08:00 in New York
    # when 2 business hours are added
    due = add_business_seconds(calendar, start, 2 * HOUR)
    # then the hours count from 09:00 New York time (14:00 UTC)
    assert due == datetime(2025, 1, 6, 16, 0, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).hour == 11


def test_dst_spring_forward_berlin_24x7_day_has_23_hours():
    calendar = compile_calendar(zone_name="Europe/Berlin", hours=[[(0, 1440)]] * 7, own_holidays=[])
    # a 24x7 calendar with one-off holiday elsewhere still computes per day (not the always-open shortcut)
    calendar_with_days = compile_calendar(
        zone_name="Europe/Berlin", hours=[[(0, 1440)]] * 7, own_holidays=[Holiday(day=date(1990, 1, 1))]
    )
    day, next_day = local(BERLIN, 2025, 3, 30), local(BERLIN, 2025, 3, 31)
    assert business_seconds_between(calendar, day, next_day) == 23 * HOUR
    assert business_seconds_between(calendar_with_days, day, next_day) == 23 * HOUR


def test_dst_fall_back_berlin_24x7_day_has_25_hours():
    calendar = compile_calendar(
        zone_name="Europe/Berlin", hours=[[(0, 1440)]] * 7, own_holidays=[Holiday(day=date(1990, 1, 1))]
    )
    day, next_day = local(BERLIN, 2025, 10, 26), local(BERLIN, 2025, 10, 27)
    assert business_seconds_between(calendar, day, next_day) == 25 * HOUR
    # 01:30 local + 2 hours passes through the repeated 02:00-03:00 hour
    due = add_business_seconds(calendar, local(BERLIN, 2025, 10, 26, 1, 30), 2 * HOUR)
    assert due == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time


def test_dst_spring_forward_new_york_office_hours_keep_wall_time():
    # given a New York 09-17 office, 8 March 2025 (Sat) / 10 March (Mon) around the change on Sunday 9 March
    calendar = office("America/New_York", weekdays=((9 * 60, 17 * 60),))
    # when 2 hours are added on Friday 16:00 (EST)
    due = add_business_seconds(calendar, local(NEW_YORK, 2025, 3, 7, 16), 2 * HOUR)
    # then Monday 10:00 wall time (EDT), which is 14:00 UTC, not 15:00
    assert due == local(NEW_YORK, 2025, 3, 10, 10)
    assert due == datetime(2025, 3, 10, 14, tzinfo=UTC)


def test_dst_fall_back_new_york_night_interval_counts_the_repeated_hour():
    # given a night shift 00:00-04:00 every day in New York; 2 Nov 2025 repeats 01:00-02:00
    calendar = compile_calendar(zone_name="America/New_York", hours=[[(0, 240)]] * 7)
    day = local(NEW_YORK, 2025, 11, 2)
    # then that night is 5 hours long
    assert business_seconds_between(calendar, day, day + timedelta(hours=12)) == 5 * HOUR


def test_dst_interval_inside_the_spring_gap_never_happens():
    # given an interval 02:00-02:30 every day in Berlin; on 30 March 2025 those wall times do not exist
    calendar = compile_calendar(zone_name="Europe/Berlin", hours=[[(120, 150)]] * 7)
    day = local(BERLIN, 2025, 3, 30)
    # then that day has no open time, the day before has 30 minutes
    assert business_seconds_between(calendar, day, day + timedelta(hours=20)) == 0
    assert business_seconds_between(calendar, day - timedelta(days=1), day) == 30 * 60


def test_business_seconds_between_is_the_inverse_of_add():
    calendar = office(country="DE", weekdays=((8 * 60, 12 * 60), (13 * 60, 17 * 60)))
    start = local(BERLIN, 2025, 12, 23, 10, 17, 42)
    for seconds in (1, 59, 3600, 7 * 3600 + 13, 40 * 3600):
        due = add_business_seconds(calendar, start, seconds)
        assert business_seconds_between(calendar, start, due) == seconds
    assert business_seconds_between(calendar, due, start) == -40 * 3600


def test_calendar_without_hours_never_opens():
    calendar = compile_calendar(zone_name="UTC", hours=[[]] * 7)
    with pytest.raises(NeverOpen):
        add_business_seconds(calendar, datetime(2025, 1, 1, tzinfo=UTC), 60)
    with pytest.raises(NeverOpen):
        next_open(calendar, datetime(2025, 1, 1, tzinfo=UTC))


def test_compile_refuses_overlapping_hours_and_unknown_zones():
    with pytest.raises(ValueError, match="overlap"):
        compile_calendar(zone_name="UTC", hours=[[(60, 120), (100, 200)]] + [[]] * 6)
    with pytest.raises(ValueError):
        compile_calendar(zone_name="UTC", hours=[[(60, 1500)]] + [[]] * 6)
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo raises its own error for an unknown key
        compile_calendar(zone_name="Mars/Olympus", hours=[[]] * 7)


def test_always_open_calendar_is_plain_time():
    calendar = always_open()
    start = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    assert add_business_seconds(calendar, start, 5 * HOUR) == start + timedelta(hours=5)


# ---- the property test: the fast arithmetic equals a slow walk, minute by minute ----


def reference_open(calendar, moment: datetime) -> bool:
    wall = moment.astimezone(calendar.zone)
    minute = wall.hour * 60 + wall.minute
    if calendar.is_holiday(wall.date()):
        return False
    return any(start <= minute < end for start, end in calendar.weekly[wall.weekday()])


def reference_add(calendar, start: datetime, minutes: int) -> datetime:
    moment = start
    while True:
        if reference_open(calendar, moment):
            minutes -= 1
            if minutes == 0:
                return moment + timedelta(minutes=1)
        moment += timedelta(minutes=1)


ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
# Ordinary days and the days clocks change, to start near them.
ANCHORS = [
    datetime(2025, 3, 29, tzinfo=UTC),
    datetime(2025, 3, 8, tzinfo=UTC),
    datetime(2025, 10, 25, tzinfo=UTC),
    datetime(2025, 11, 1, tzinfo=UTC),
    datetime(2025, 4, 5, tzinfo=UTC),
    datetime(2025, 12, 30, tzinfo=UTC),
    datetime(2025, 6, 14, tzinfo=UTC),
]


@st.composite
def day_hours(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 48).map(lambda h: h * 30), max_size=4)))
    if len(cuts) % 2:
        cuts.append(1440) if cuts[-1] != 1440 else cuts.pop()
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


@st.composite
def calendars(draw):
    hours = [draw(day_hours()) for _ in range(7)]
    if not any(hours):
        hours[draw(st.integers(0, 6))] = [(0, 1440)]
    own = [
        Holiday(day=date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 364))), recurring=draw(st.booleans()))
        for _ in range(draw(st.integers(0, 3)))
    ]
    return compile_calendar(
        zone_name=draw(st.sampled_from(ZONES)),
        hours=hours,
        country=draw(st.sampled_from(["", "", "DE", "US"])),
        own_holidays=own,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    calendar=calendars(),
    anchor=st.sampled_from(ANCHORS),
    offset_minutes=st.integers(0, 4 * 1440),
    target_minutes=st.integers(1, 600),
)
def test_add_business_seconds_matches_a_minute_by_minute_walk(calendar, anchor, offset_minutes, target_minutes):
    # given a random calendar, a start on a whole minute near a DST change and a target in whole minutes
    start = anchor + timedelta(minutes=offset_minutes)
    # when the fast arithmetic computes the deadline
    due = add_business_seconds(calendar, start, target_minutes * 60)
    # then it equals the slow walk, and measuring back gives the target
    assert due == reference_add(calendar, start, target_minutes)
    assert business_seconds_between(calendar, start, due) == target_minutes * 60
    assert is_open(calendar, start) == reference_open(calendar, start)
    opening = next_open(calendar, start)
    assert reference_open(calendar, opening)
    assert opening == start or not reference_open(calendar, opening - timedelta(minutes=1))
