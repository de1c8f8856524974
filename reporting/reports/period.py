"""The report's period and its buckets, in the tenant's time zone (never the viewer's own display zone).

A day bucket is a calendar day of the tenant: midnight to midnight in its zone, so the day clocks go forward has
23 hours and the day they go back 25. Weeks start on Monday (ISO 8601, as PostgreSQL's date_trunc('week')).
An hour bucket is an hour of the local clock: on the night clocks go back the repeated hour is one bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models.functions import TruncDay, TruncHour, TruncWeek

INTERVALS = {"hour": "Hour", "day": "Day", "week": "Week (from Monday)"}
TRUNCS = {"hour": TruncHour, "day": TruncDay, "week": TruncWeek}
# Hour buckets over months would draw thousands of points: refuse rather than render an unreadable chart.
MAX_HOUR_DAYS = 14
MAX_DAYS = 400


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The instant the tenant's `day` starts (zoneinfo resolves a DST gap or fold the standard way)."""
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date  # inclusive
    zone: tzinfo
    interval: str = "day"

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def trunc(self, field: str):
        """The bucket of a timestamp column, truncated in the tenant's zone (date_trunc(.., col AT TIME ZONE ..))."""
        return TRUNCS[self.interval](field, tzinfo=self.zone)

    def buckets(self) -> list[tuple[datetime, datetime]]:
        """Every bucket of the period in order, [start, end) as aware instants, empty ones included."""
        if self.interval == "hour":
            out = []
            day = self.first_day
            while day <= self.last_day:
                for hour in range(24):
                    start = datetime.combine(day, time(hour), tzinfo=self.zone)
                    following = day + timedelta(days=1) if hour == 23 else day
                    end = datetime.combine(following, time((hour + 1) % 24), tzinfo=self.zone)
                    out.append((start, end))
                day += timedelta(days=1)
            return out
        if self.interval == "week":
            monday = self.first_day - timedelta(days=self.first_day.weekday())
            out = []
            while monday <= self.last_day:
                out.append((local_midnight(monday, self.zone), local_midnight(monday + timedelta(days=7), self.zone)))
                monday += timedelta(days=7)
            return out
        return [
            (
                local_midnight(self.first_day + timedelta(days=n), self.zone),
                local_midnight(self.first_day + timedelta(days=n + 1), self.zone),
            )
            for n in range(self.days)
        ]

    def key(self, moment: datetime) -> datetime:
        """The local wall-clock start of a bucket, naive: what a truncated value and a bucket compare by."""
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def short_label(self, start: datetime) -> str:
        """The label on a chart's axis (the table beside it has the full one)."""
        local = start.astimezone(self.zone)
        if self.interval == "hour":
            return local.strftime("%H:00") if local.hour else local.strftime("%d %b")
        return local.strftime("%d %b")

    def label(self, start: datetime) -> str:
        local = start.astimezone(self.zone)
        if self.interval == "hour":
            return local.strftime("%a %d %b %H:00")
        if self.interval == "week":
            return "Week of " + local.strftime("%d %b %Y")
        return local.strftime("%a %d %b %Y")
