"""Speed: first response and resolution times (median and 90th percentile, calendar and business time), and
the age of the open backlog."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Q

from reporting.charts.svg import Series, bar_chart
from reporting.reports import data
from reporting.reports.base import Cell, Report, Section, Table, count_cell, hours_cell
from reporting.reports.filters import ReportFilters
from reporting.reports.sql import PercentileCont, Seconds
from sla.models import SlaTarget, TargetKind

AGE_BUCKETS = (
    ("Under 1 day", 0, 1),
    ("1-3 days", 1, 3),
    ("3-7 days", 3, 7),
    ("7-30 days", 7, 30),
    ("Over 30 days", 30, None),
)


def _spread(queryset, expression) -> dict:
    return queryset.aggregate(
        n=Count("pk"),
        median=PercentileCont(expression, fraction=0.5),
        p90=PercentileCont(expression, fraction=0.9),
    )


def business_spread(f: ReportFilters, kind: str, ticket_ids) -> dict:
    """The SLA engine's stored business seconds of `kind` targets finished (met or late) on `ticket_ids`."""
    targets = SlaTarget.objects.filter(kind=kind, state__in=data.FINISHED, ticket__in=ticket_ids)
    return _spread(targets, F("seconds_to_met"))


def build(f: ReportFilters, *, now) -> Report:
    report = Report(
        slug="speed",
        title="Speed",
        intro="How long customers waited for a first answer and for a resolution, and how old the open tickets are.",
    )
    first = data.first_responses(f)
    first_calendar = _spread(first, Seconds(F("first_response_at"), F("created_at")))
    first_business = business_spread(f, TargetKind.FIRST_RESPONSE, first.values("pk"))

    final = data.final_resolutions(f)
    final_calendar = _spread(final, Seconds(F("created_at"), F("ticket__created_at")))
    final_business = business_spread(f, TargetKind.RESOLUTION, final.values("ticket_id"))
    first_res = data.first_resolutions(f)
    first_res_calendar = _spread(first_res, Seconds(F("created_at"), F("ticket__created_at")))

    table = Table(columns=["Measure", "Tickets", "Median", "90th percentile"])
    table.add(
        "First response, calendar time",
        count_cell(first_calendar["n"], f, "first_response"),
        hours_cell(first_calendar["median"]),
        hours_cell(first_calendar["p90"]),
    )
    table.add(
        "First response, business time",
        Cell(first_business["n"]),
        hours_cell(first_business["median"]),
        hours_cell(first_business["p90"]),
    )
    table.add(
        "Final resolution, calendar time",
        count_cell(final_calendar["n"], f, "final_resolution"),
        hours_cell(final_calendar["median"]),
        hours_cell(final_calendar["p90"]),
    )
    table.add(
        "Final resolution, business time",
        Cell(final_business["n"]),
        hours_cell(final_business["median"]),
        hours_cell(final_business["p90"]),
    )
    table.add(
        "First resolution, calendar time",
        count_cell(first_res_calendar["n"], f, "first_resolution"),
        hours_cell(first_res_calendar["median"]),
        hours_cell(first_res_calendar["p90"]),
    )
    report.sections.append(
        Section(
            title="First response and resolution",
            definition=(
                "First response: from the ticket's creation to the first public reply by staff, for tickets first "
                "answered in the period. Final resolution: from creation to the ticket's last move to resolved or "
                "closed, for tickets whose last resolution fell in the period and that are not open again. First "
                "resolution: to its first such move (a reopened ticket's first resolution counts too). Calendar "
                "time counts every hour; business time is what the SLA engine recorded when the target was met, "
                "counting only the opening hours of the ticket's SLA calendar (tickets without an SLA target have "
                "no business time). Median: half took less; 90th percentile: nine in ten took less. Values are in "
                "hours in the CSV."
            ),
            table=table,
            chart=bar_chart(
                title="Median and 90th percentile, hours",
                labels=[row[0] for row in table.rows],
                series=[
                    Series("Median", [row[1][1].value for row in table.rows]),
                    Series("90th percentile", [row[1][2].value for row in table.rows]),
                ],
            ),
        )
    )

    aggregates = {}
    for index, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - timedelta(days=high))
        aggregates[f"b{index}"] = Count("pk", filter=condition)
    ages = data.open_now(f).aggregate(**aggregates)
    age_table = Table(columns=["Age", "Open tickets"])
    for index, (label, low, high) in enumerate(AGE_BUCKETS):
        age_table.add(label, count_cell(ages[f"b{index}"], f, "open", age_min=low, age_max=high))
    report.sections.append(
        Section(
            title="Age of the open backlog",
            definition=(
                "Tickets open now (new, open, pending, on hold), by the time since they were created. This is the "
                "backlog as it is now, whatever the period chosen."
            ),
            table=age_table,
            chart=bar_chart(
                title="Open tickets by age",
                labels=[r[0] for r in age_table.rows],
                series=[Series("Open tickets", [r[1][0].value for r in age_table.rows])],
            ),
        )
    )
    return report
