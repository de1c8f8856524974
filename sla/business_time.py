"""Business-time arithmetic: when a calendar is open, and adding or measuring open time across nights,
weekends, holidays, split shifts and daylight-saving changes.

The definition everything here obeys (and the reference walk in the tests checks): an instant is open when its
wall time in the calendar's zone falls inside one of that weekday's opening intervals [start, end) and its local
date is not a holiday. So an interval inside a spring-forward gap never happens, an hour that a fall-back repeats
is open twice, and a 24x7 calendar is open every second, across midnight too (an interval ending at 24:00 runs up
to the next local midnight: no minute is lost, unlike calendars that stop at 23:59).

A calendar is compiled once per version into a `CompiledCalendar` (immutable data plus a per-day memo of its open
spans in UTC); `compiled(calendar)` caches it under (id, version), and every edit bumps the version, so a cached
copy is never stale. All inputs and outputs are aware datetimes; results are in UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as holiday_data

MINUTES_PER_DAY = 24 * 60
# A calendar with opening hours finds an open moment within a week, holidays aside; ten years of holidays with no
# opening at all means it never opens (all days closed): say so instead of looping forever.
MAX_CLOSED_DAYS = 3660
_DAY_MEMO_LIMIT = 20_000

Interval = tuple[int, int]  # minutes after local midnight, start < end <= 1440


class NeverOpen(ValueError):
    """The calendar has no open time ahead (no opening hours, or holidays on every open day for years)."""


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str = ""
    recurring: bool = False  # every year on this month and day


@dataclass(frozen=True, eq=False)
class CompiledCalendar:
    """A calendar ready for arithmetic. `weekly[0]` is Monday's intervals, sorted and not overlapping."""

    zone_name: str
    weekly: tuple[tuple[Interval, ...], ...]
    country: str = ""
    subdivision: str = ""
    own_holidays: tuple[Holiday, ...] = ()
    key: tuple = ()
    _days: dict = field(default_factory=dict, repr=False)
    _years: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("A week has seven days of opening hours (Monday first).")
        for intervals in self.weekly:
            check_intervals(intervals)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    @cached_property
    def is_always_open(self) -> bool:
        return all(intervals == ((0, MINUTES_PER_DAY),) for intervals in self.weekly) and not (
            self.country or self.own_holidays
        )

    @cached_property
    def has_hours(self) -> bool:
        return any(self.weekly)

    @cached_property
    def _recurring(self) -> frozenset[tuple[int, int]]:
        return frozenset((h.day.month, h.day.day) for h in self.own_holidays if h.recurring)

    @cached_property
    def _one_off(self) -> frozenset[date]:
        return frozenset(h.day for h in self.own_holidays if not h.recurring)

    def _public_holidays(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is None:
            found = frozenset()
            if self.country:
                found = frozenset(
                    holiday_data.country_holidays(self.country, subdiv=self.subdivision or None, years=year)
                )
            self._years[year] = found
        return found

    def is_holiday(self, day: date) -> bool:
        return day in self._one_off or (day.month, day.day) in self._recurring or day in self._public_holidays(day.year)

    def holiday_name(self, day: date) -> str:
        for own in self.own_holidays:
            if own.day == day or (own.recurring and (own.day.month, own.day.day) == (day.month, day.day)):
                return own.name or "Holiday"
        if self.country and day in self._public_holidays(day.year):
            return holiday_data.country_holidays(self.country, subdiv=self.subdivision or None, years=day.year).get(
                day, "Holiday"
            )
        return ""

    def open_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The open spans of one local date, in UTC and in order (memoised: a deadline reads the same few days)."""
        spans = self._days.get(day)
        if spans is None:
            spans = self._compute_spans(day)
            if len(self._days) > _DAY_MEMO_LIMIT:
                self._days.clear()
            self._days[day] = spans
        return spans

    def _compute_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        intervals = self.weekly[day.weekday()]
        if not intervals or self.is_holiday(day):
            return ()
        zone = self.zone
        midnight = datetime.combine(day, time())
        next_midnight = midnight + timedelta(days=1)
        before = midnight.replace(tzinfo=zone).utcoffset()
        after = next_midnight.replace(tzinfo=zone).utcoffset()
        if before == after:
            # No change of offset this day: local wall time is UTC plus one offset throughout.
            return tuple(
                ((midnight + timedelta(minutes=s) - before).replace(tzinfo=UTC),
                 (midnight + timedelta(minutes=e) - before).replace(tzinfo=UTC))
                for s, e in intervals
            )  # fmt: skip
        # The offset changes once this day, at `switch`: wall times before it are UTC + `before`, after it UTC +
        # `after`. Each interval is mapped with both offsets and clipped to its side, so a gap's wall times
        # vanish and a repeated hour counts twice, exactly as the definition says.
        low = (midnight - before).replace(tzinfo=UTC)
        high = (next_midnight - after).replace(tzinfo=UTC)
        switch = _offset_switch(zone, low, high, before)
        spans = []
        for s, e in intervals:
            for offset, lo, hi in ((before, None, switch), (after, switch, None)):
                start = (midnight + timedelta(minutes=s) - offset).replace(tzinfo=UTC)
                end = (midnight + timedelta(minutes=e) - offset).replace(tzinfo=UTC)
                if lo is not None:
                    start = max(start, lo)
                if hi is not None:
                    end = min(end, hi)
                if start < end:
                    spans.append((start, end))
        spans.sort()
        return tuple(_merge_touching(spans))


def _offset_switch(zone: ZoneInfo, low: datetime, high: datetime, before: timedelta) -> datetime:
    """The first UTC second whose offset is no longer `before`, between low and high (bisection on seconds)."""
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _merge_touching(spans: list[tuple[datetime, datetime]]) -> Iterator[tuple[datetime, datetime]]:
    current = None
    for start, end in spans:
        if current and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current:
            yield current
        current = (start, end)
    if current:
        yield current


def check_intervals(intervals: Iterable[Interval]) -> None:
    """Refuse intervals out of the day, empty, unsorted or overlapping (the admin form says it in words)."""
    previous_end = -1
    for start, end in intervals:
        if not (0 <= start < end <= MINUTES_PER_DAY):
            raise ValueError(f"An opening interval runs from 00:00 to 24:00 and ends after it starts: {start}-{end}")
        if start < previous_end:
            raise ValueError("Opening intervals of one day must be in order and must not overlap.")
        previous_end = end


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("Business-time arithmetic needs aware datetimes.")
    return moment.astimezone(UTC)


def _days_from(calendar: CompiledCalendar, moment: datetime) -> Iterator[date]:
    # Start one local day early: the spans of a date never reach past the next local midnight, but a fall-back
    # right at midnight can put the previous date's repeated last hour after this moment's local midnight.
    day = moment.astimezone(calendar.zone).date() - timedelta(days=1)
    while True:
        yield day
        day += timedelta(days=1)


def add_business_seconds(calendar: CompiledCalendar, start: datetime, seconds: float) -> datetime:
    """The moment when `seconds` of open time have passed since `start` (0 gives `start` itself, even when
    closed: nothing has to elapse). Raises NeverOpen when the calendar has no open time ahead."""
    start = _utc(start)
    if seconds < 0:
        raise ValueError("Business seconds to add must not be negative.")
    if seconds == 0:
        return start
    if calendar.is_always_open:
        return start + timedelta(seconds=seconds)
    if not calendar.has_hours:
        raise NeverOpen("The calendar has no opening hours.")
    left = timedelta(seconds=seconds)
    closed_days = 0
    for day in _days_from(calendar, start):
        spans = calendar.open_spans(day)
        closed_days = closed_days + 1 if not spans else 0
        if closed_days > MAX_CLOSED_DAYS:
            raise NeverOpen("The calendar has no open time in the next ten years.")
        for span_start, span_end in spans:
            if span_end <= start:
                continue
            begin = max(span_start, start)
            available = span_end - begin
            if left <= available:
                return begin + left
            left -= available
    raise AssertionError("unreachable")  # pragma: no cover


def business_seconds_between(calendar: CompiledCalendar, a: datetime, b: datetime) -> float:
    """Open time from a to b in seconds (negative when b is before a)."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -business_seconds_between(calendar, b, a)
    if calendar.is_always_open:
        return (b - a).total_seconds()
    total = timedelta()
    for day in _days_from(calendar, a):
        spans = calendar.open_spans(day)
        if spans and spans[0][0] >= b:
            break
        for span_start, span_end in spans:
            begin, end = max(span_start, a), min(span_end, b)
            if begin < end:
                total += end - begin
        if day > b.astimezone(calendar.zone).date():
            break
    return total.total_seconds()


def is_open(calendar: CompiledCalendar, at: datetime) -> bool:
    """Whether the calendar is open at this moment (routing's "inside business hours" condition)."""
    at = _utc(at)
    if calendar.is_always_open:
        return True
    local_day = at.astimezone(calendar.zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        if any(start <= at < end for start, end in calendar.open_spans(day)):
            return True
    return False


def next_open(calendar: CompiledCalendar, at: datetime) -> datetime:
    """The first open moment at or after `at` (itself when open). Raises NeverOpen."""
    at = _utc(at)
    if calendar.is_always_open:
        return at
    if not calendar.has_hours:
        raise NeverOpen("The calendar has no opening hours.")
    closed_days = 0
    for day in _days_from(calendar, at):
        spans = calendar.open_spans(day)
        closed_days = closed_days + 1 if not spans else 0
        if closed_days > MAX_CLOSED_DAYS:
            raise NeverOpen("The calendar has no open time in the next ten years.")
        for start, end in spans:
            if end > at:
                return max(start, at)
    raise AssertionError("unreachable")  # pragma: no cover


# ---- compiling a stored calendar, cached per version ----

_cache: dict[tuple, CompiledCalendar] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 512


def compile_calendar(
    *,
    zone_name: str,
    hours: Iterable[Iterable[Iterable[int]]],
    country: str = "",
    subdivision: str = "",
    own_holidays: Iterable[Holiday] = (),
    key: tuple = (),
) -> CompiledCalendar:
    ZoneInfo(zone_name)  # refuse an unknown zone now, not at the first deadline
    weekly = tuple(tuple((int(s), int(e)) for s, e in day) for day in hours)
    return CompiledCalendar(
        zone_name=zone_name,
        weekly=weekly,
        country=country,
        subdivision=subdivision,
        own_holidays=tuple(own_holidays),
        key=key,
    )


def compiled(calendar) -> CompiledCalendar:
    """The compiled form of an sla.Calendar row, cached under (tenant, id, version): an edit bumps the version, so
    the next call compiles afresh. Holidays are read from the row's `holidays` (one query when not prefetched)."""
    key = (calendar.tenant_id, calendar.pk, calendar.version)
    found = _cache.get(key)
    if found is not None:
        return found
    built = compile_calendar(
        zone_name=calendar.time_zone,
        hours=calendar.hours,
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        own_holidays=[Holiday(day=h.day, name=h.name, recurring=h.recurring) for h in calendar.holidays.all()],
        key=key,
    )
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = built
    return built


def always_open(zone_name: str = "UTC") -> CompiledCalendar:
    """A 24x7 calendar with no holidays (calendar-time targets measure with it)."""
    return compile_calendar(zone_name=zone_name, hours=[[(0, MINUTES_PER_DAY)]] * 7, key=("24x7", zone_name))


def format_minutes(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
