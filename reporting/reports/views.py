"""The report pages under /desk/reports/: supervisors and admins only (agents get a 403, customers a 404).

Thin: parse the filters, build the report (a fixed handful of aggregate queries), render it or stream its CSV.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reporting.csv_export import streamed_csv
from reporting.reports import agents, kb_report, quality, sla_report, speed, volume
from reporting.reports.base import CSV_HEADER
from reporting.reports.drill import METRICS, UnknownMetric, tickets_for
from reporting.reports.filters import ReportFilters
from reporting.reports.models import ReportSubscription
from reporting.reports.services import subscribe, unsubscribe
from tenancy.roles import Role, role_required
from tenancy.times import zone_for
from tickets import clock

REPORTS = {
    "volume": volume.build,
    "speed": speed.build,
    "sla": sla_report.build,
    "quality": quality.build,
    "agents": agents.build,
    "kb": kb_report.build,
}
TITLES = {
    "volume": ("Volume", "Created, resolved and open tickets over time; by channel, category, weekday and hour."),
    "speed": ("Speed", "First response and resolution times, median and 90th percentile; age of the backlog."),
    "sla": ("SLA", "Compliance per target, queue, priority and policy; breaches over time."),
    "quality": ("Quality", "Satisfaction, reopens, first-contact resolution and escalations."),
    "agents": ("Agents and teams", "Tickets handled, response and resolution times, satisfaction, SLA."),
    "kb": ("Knowledge base", "Deflections, votes, searches and searches with no result."),
}
PAGE_SIZE = 50


def _filters(request: HttpRequest, now) -> ReportFilters:
    today = now.astimezone(zone_for(tenant=request.tenant)).date()
    return ReportFilters(request.GET, tenant=request.tenant, today=today)


@role_required(Role.SUPERVISOR)
def index(request: HttpRequest) -> HttpResponse:
    subscribed = ReportSubscription.objects.filter(
        membership=request.membership, kind=ReportSubscription.Kind.WEEKLY_SUMMARY
    ).exists()
    reports = [{"slug": slug, "title": title, "about": about} for slug, (title, about) in TITLES.items()]
    return render(request, "reporting/reports/index.html", {"reports": reports, "subscribed": subscribed})


def plan_with_values() -> None:
    """Plan this request's statements for their own period (PostgreSQL). A report's statements run again and
    again with other dates: once prepared (DATABASE_PREPARE_THRESHOLD), PostgreSQL may switch to a generic plan
    that cannot see how many rows the period holds: at 800,000 tickets the quality report's resolutions pass took
    3.5 s with it and 0.6 s with the plan made for the dates (docs/benchmarks.md). Planning costs a millisecond;
    SET LOCAL ends with the request's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


@role_required(Role.SUPERVISOR)
def report(request: HttpRequest, report: str) -> HttpResponse:
    slug = report
    build = REPORTS.get(slug)
    if build is None:
        raise Http404("No such report.")
    now = clock.now()
    filters = _filters(request, now)
    if request.GET.get("format") == "csv" and filters.errors:
        # A download has no page to show the message on: refuse rather than export another period.
        return HttpResponse("\n".join(filters.errors), status=400, content_type="text/plain; charset=utf-8")
    plan_with_values()
    built = build(filters, now=now)
    if request.GET.get("format") == "csv":
        first, last = filters.period.first_day, filters.period.last_day
        return streamed_csv(filename=f"{slug}-{first}-{last}.csv", header=CSV_HEADER, rows=built.csv_rows())
    context = {
        "report": built,
        "filters": filters,
        "form": filters.form,
        "csv_query": filters.query(format="csv", group=filters.group_by or None),
        "reports": [(key, title) for key, (title, _) in TITLES.items()],
        "zone_name": request.tenant.timezone,
    }
    return render(request, "reporting/reports/report.html", context)


@role_required(Role.SUPERVISOR)
def report_tickets(request: HttpRequest) -> HttpResponse:
    """The tickets behind a count, newest first, a page at a time (a fixed number of queries per page)."""
    now = clock.now()
    filters = _filters(request, now)
    if not request.GET.get("metric"):
        return render(
            request,
            "reporting/reports/tickets.html",
            {"error": "Follow a count in a report to list the tickets behind it.", "filters": filters},
        )
    if filters.errors:
        # A list under other filters than the link named (a report page falls back and says so) would pass for
        # the tickets behind the count: refuse, as a CSV download does.
        return render(
            request,
            "reporting/reports/tickets.html",
            {"error": "This list cannot be shown: " + " ".join(filters.errors), "filters": filters},
            status=400,
        )
    try:
        tickets = tickets_for(filters, request.GET, now=now)
    except UnknownMetric:
        return render(
            request,
            "reporting/reports/tickets.html",
            {"error": "This link does not name a report figure.", "filters": filters},
            status=400,
        )
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    total = tickets.count()
    rows = list(
        tickets.select_related("queue", "assignee__user").order_by("-created_at", "-pk")[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE
        ]
    )
    context = {
        "metric": METRICS[request.GET["metric"]],
        "filters": filters,
        "rows": [{"ticket": t, "reference": request.tenant.format_ticket_number(t.number)} for t in rows],
        "total": total,
        "page": page,
        "previous_query": _with_page(request, page - 1) if page > 1 else "",
        "next_query": _with_page(request, page + 1) if page * PAGE_SIZE < total else "",
    }
    return render(request, "reporting/reports/tickets.html", context)


def _with_page(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return params.urlencode()


@role_required(Role.SUPERVISOR)
@require_POST
def subscription(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "unsubscribe":
        unsubscribe(membership=request.membership)
        messages.success(request, "You will no longer get the weekly summary.")
    else:
        subscribe(membership=request.membership)
        messages.success(request, "You will get the weekly summary every Monday morning, in the help desk's time zone.")
    return redirect("desk:reports")


subscription.allowed_methods = {"POST"}  # for the role-gating test: no page to GET here
