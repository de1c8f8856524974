"""The knowledge base over the period: deflections, votes, searches and searches that found nothing.

Read from the knowledge base's own rows (kb.models, the same ones kb.selectors.kb_stats counts for the last N
days), over the report's period. The ticket filters do not apply: these figures belong to no ticket."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from kb.models import ArticleVote, DailyCount, Deflection, SearchMiss
from reporting.charts.svg import Series, bar_chart
from reporting.reports.base import Cell, Report, Section, Table, percent_cell
from reporting.reports.filters import ReportFilters

TOP_MISSES = 20


def build(f: ReportFilters, *, now) -> Report:
    report = Report(
        slug="kb",
        title="Knowledge base",
        intro="Whether the help centre answered questions before they became tickets (ticket filters do not apply).",
    )
    start, end = f.period.start, f.period.end
    outcomes = dict(
        Deflection.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    deflected = outcomes.get(Deflection.Outcome.DEFLECTED, 0)
    filed = outcomes.get(Deflection.Outcome.FILED, 0)
    pending = outcomes.get(Deflection.Outcome.PENDING, 0)
    votes = ArticleVote.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    table = Table(columns=["Measure", "Count", "Rate"])
    table.add("Deflected requests", Cell(deflected), percent_cell(deflected, deflected + filed))
    table.add("Filed a request anyway", Cell(filed), percent_cell(filed, deflected + filed))
    table.add("Still within their day", Cell(pending), Cell(None))
    table.add("Helpful votes: yes", Cell(votes["yes"]), percent_cell(votes["yes"], votes["yes"] + votes["no"]))
    table.add("Helpful votes: no", Cell(votes["no"]), percent_cell(votes["no"], votes["yes"] + votes["no"]))
    report.sections.append(
        Section(
            title="Deflection and votes",
            definition=(
                "A visit that opened an article the request form suggested, in the period: deflected when no request "
                "was filed from that browser within a day, filed anyway otherwise (decided a day later; until then "
                "still within their day). Rate: of decided visits. Votes: answers to \u201cDid this answer your "
                "question?\u201d given in the period."
            ),
            table=table,
        )
    )
    counts = dict(
        DailyCount.objects.filter(day__gte=f.period.first_day, day__lte=f.period.last_day)
        .values_list("metric")
        .annotate(n=Sum("count"))
        .order_by()
    )
    activity = Table(columns=["Measure", "Count"])
    for metric, label in DailyCount.Metric.choices:
        activity.add(label, Cell(counts.get(metric, 0)))
    report.sections.append(
        Section(
            title="Help-centre activity",
            definition="Anonymous daily counters of the help centre, over the days of the period.",
            table=activity,
            chart=bar_chart(
                title="Help-centre activity",
                labels=[r[0] for r in activity.rows],
                series=[Series("Count", [r[1][0].value for r in activity.rows])],
            ),
        )
    )
    misses = (
        SearchMiss.objects.filter(day__gte=f.period.first_day, day__lte=f.period.last_day)
        .values_list("query")
        .annotate(n=Sum("count"))
        .order_by("-n", "query")[:TOP_MISSES]
    )
    miss_table = Table(columns=["Search", "Times"])
    for query, n in misses:
        miss_table.add(query, Cell(n, href=reverse("kb:search") + "?" + urlencode({"q": query})))
    report.sections.append(
        Section(
            title="Searches with no result",
            definition=f"The {TOP_MISSES} searches that found nothing most often in the period (scrubbed of "
            "personal data when they were counted): articles worth writing.",
            table=miss_table,
        )
    )
    return report
