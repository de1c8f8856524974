"""Quality: satisfaction (average, distribution, comments), reopen rate, escalation rate, first-contact
resolution."""

from __future__ import annotations

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q
from django.urls import reverse

from reporting.charts.svg import Series, bar_chart
from reporting.reports import data
from reporting.reports.base import EMPTY, Cell, Report, Section, Table, count_cell, percent_cell
from reporting.reports.filters import ReportFilters
from reporting.reports.speed import fenced

COMMENTS_SHOWN = 20


def build(f: ReportFilters, *, now) -> Report:
    report = Report(
        slug="quality", title="Quality", intro="What customers thought, and how often work had to be done again."
    )
    ratings = data.ratings(f)
    summary = ratings.aggregate(
        n=Count("pk"),
        average=Avg("score"),
        **{f"s{score}": Count("pk", filter=Q(score=score)) for score in range(1, 6)},
    )
    csat = Table(columns=["Score", "Ratings", "Share"])
    for score in range(5, 0, -1):
        n = summary[f"s{score}"]
        csat.add(f"{score} of 5", count_cell(n, f, "rated", score=score), percent_cell(n, summary["n"]))
    satisfied = summary["s4"] + summary["s5"]
    csat.add("Satisfied (4 or 5)", Cell(satisfied), percent_cell(satisfied, summary["n"]))
    average = summary["average"]
    csat.add(
        "All ratings",
        count_cell(summary["n"], f, "rated"),
        Cell(
            None if average is None else round(average, 2), text=EMPTY if average is None else f"average {average:.2f}"
        ),
    )
    report.sections.append(
        Section(
            title="Customer satisfaction",
            definition=(
                "Ratings (1 to 5) customers gave resolved tickets in the period; a customer who rated again counts "
                "once, with their latest score, on the day they last rated. Satisfied share: 4 or 5."
            ),
            table=csat,
            chart=bar_chart(
                title="Ratings by score",
                labels=[f"{s} of 5" for s in range(1, 6)],
                series=[Series("Ratings", [summary[f"s{s}"] for s in range(1, 6)])],
            ),
        )
    )
    comments = Table(columns=["Ticket", "Score", "Comment"])
    rows = (
        ratings.exclude(comment="")
        .order_by("-updated_at", "-pk")
        .values_list("ticket__number", "score", "comment")[:COMMENTS_SHOWN]
    )
    prefix_of = f.form.tenant.format_ticket_number
    for number, score, comment in rows:
        comments.add(prefix_of(number), Cell(score), Cell(comment, href=reverse("desk:ticket", args=[number])))
    report.sections.append(
        Section(
            title="Latest comments", definition=f"The {COMMENTS_SHOWN} newest ratings with a comment.", table=comments
        )
    )

    # One pass over the period's resolutions: each row's tests (final? reopened? how many staff replies?) are
    # columns of a derived table PostgreSQL may not merge (speed.fenced), so each runs once per row as a probe;
    # as filters of the aggregate the planner hashed every resolution of the tenant to anti-join them. The
    # conditions are the drill-down's (drill.py): data.is_final_q, data.reopened_q, data.agent_replies.
    rows = data.resolutions(f).annotate(
        open_now=F("ticket__is_open"),
        later=data.later_resolution(),
        was_reopened=ExpressionWrapper(data.reopened_q(), output_field=BooleanField()),
        staff_replies=data.agent_replies(),
    )
    final = Q(open_now=False, later=False)
    resolved = fenced(rows).aggregate(
        n=Count("pk", filter=final),
        reopened=Count("pk", filter=final & Q(was_reopened=True)),
        fcr=Count("pk", filter=final & Q(was_reopened=False, staff_replies=1)),
    )
    created = data.created(f).aggregate(n=Count("pk"), escalated=Count("pk", filter=data.escalated_q()))
    rates = Table(columns=["Measure", "Tickets", "Of", "Rate"])
    rates.add(
        "Reopened",
        count_cell(resolved["reopened"], f, "reopened"),
        count_cell(resolved["n"], f, "final_resolution"),
        percent_cell(resolved["reopened"], resolved["n"]),
    )
    rates.add(
        "First-contact resolution",
        count_cell(resolved["fcr"], f, "fcr"),
        count_cell(resolved["n"], f, "final_resolution"),
        percent_cell(resolved["fcr"], resolved["n"]),
    )
    rates.add(
        "Escalated",
        count_cell(created["escalated"], f, "escalated"),
        count_cell(created["n"], f, "created"),
        percent_cell(created["escalated"], created["n"]),
    )
    report.sections.append(
        Section(
            title="Reopens, first-contact resolution and escalations",
            definition=(
                "Of the tickets finally resolved in the period: reopened ones had a status change from resolved back "
                "to an open status at some time (a customer answering a pending ticket is not a reopen; a follow-up "
                "ticket opened after closing is a new ticket, not a reopen of the old one). First-contact "
                "resolution: resolved after exactly one public reply by staff and never reopened. Of the tickets "
                "created in the period: escalated ones were raised to an escalation tier at least once."
            ),
            table=rates,
        )
    )
    return report
