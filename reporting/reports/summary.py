"""The weekly summary: the week's key figures, computed by the same definitions as the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, F, Q
from django.http import QueryDict

from reporting.reports import data
from reporting.reports.base import duration_text
from reporting.reports.filters import ReportFilters
from reporting.reports.sql import PercentileCont, Seconds
from sla.models import SlaTarget
from tenancy.models import Tenant
from tenancy.times import zone_for


def last_complete_week(tenant: Tenant, now: datetime) -> date:
    """The Monday starting the last week (Monday to Sunday in the tenant's zone) that has ended by `now`."""
    today = now.astimezone(zone_for(tenant=tenant)).date()
    return today - timedelta(days=today.weekday() + 7)


@dataclass(frozen=True)
class WeeklySummary:
    first_day: date
    last_day: date
    created: int
    resolved: int
    open_now: int
    first_response_median: float | None
    sla_met: int
    sla_breached: int
    csat_average: float | None
    ratings: int

    def lines(self) -> list[str]:
        decided = self.sla_met + self.sla_breached
        sla = f"{100 * self.sla_met / decided:.1f} % met ({self.sla_met} of {decided})" if decided else "no targets"
        csat = f"{self.csat_average:.2f} of 5 ({self.ratings} ratings)" if self.ratings else "no ratings"
        return [
            f"Created: {self.created}",
            f"Resolved: {self.resolved}",
            f"Open now: {self.open_now}",
            f"Median first response (calendar time): {duration_text(self.first_response_median)}",
            f"SLA: {sla}",
            f"Satisfaction: {csat}",
        ]


def weekly_summary(*, tenant: Tenant, first_day: date, now: datetime) -> WeeklySummary:
    last_day = first_day + timedelta(days=6)
    params = QueryDict(mutable=True)
    params.update({"start": first_day.isoformat(), "end": last_day.isoformat(), "interval": "day"})
    f = ReportFilters(params, tenant=tenant, today=last_day)
    first = data.first_responses(f).aggregate(
        m=PercentileCont(Seconds(F("first_response_at"), F("created_at")), fraction=0.5)
    )
    targets = data.finished_targets(f).aggregate(
        met=Count("pk", filter=Q(state=SlaTarget.State.MET)), late=Count("pk", filter=Q(state=SlaTarget.State.BREACHED))
    )
    rated = data.ratings(f).aggregate(a=Avg("score"), n=Count("pk"))
    return WeeklySummary(
        first_day=first_day,
        last_day=last_day,
        created=data.created(f).count(),
        resolved=data.resolutions(f).values("ticket_id").distinct().count(),
        open_now=data.open_now(f).count(),
        first_response_median=first["m"],
        sla_met=targets["met"],
        sla_breached=targets["late"] + data.overdue_targets(f, now).count(),
        csat_average=rated["a"],
        ratings=rated["n"],
    )
