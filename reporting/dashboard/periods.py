"""Today and this week as the tenant's calendar has them, whoever looks.

A day runs from local midnight to local midnight in the tenant's zone (23 or 25 hours on a DST change); a week
starts on Monday (ISO 8601). An agent's own display zone changes how times read, never which day a ticket counts
in, so two people looking at the same dashboard always see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tenancy.times import zone_for


@dataclass(frozen=True)
class Window:
    """[start, end): `end` is the moment of looking, so a figure for "today" is the day so far."""

    start: datetime
    end: datetime


def _midnight(day: date, zone) -> datetime:
    # zoneinfo picks the right offset for the date, so a DST day is 23 or 25 hours long.
    return datetime.combine(day, time.min, tzinfo=zone)


def today(tenant, now: datetime) -> Window:
    zone = zone_for(tenant=tenant)
    return Window(_midnight(now.astimezone(zone).date(), zone), now)


def this_week(tenant, now: datetime) -> Window:
    zone = zone_for(tenant=tenant)
    local = now.astimezone(zone).date()
    return Window(_midnight(local - timedelta(days=local.weekday()), zone), now)
