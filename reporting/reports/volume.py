"""Volume: created, resolved and backlog over time; created by channel and by category; arrivals by weekday and
hour; and, when chosen, created by a custom field."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from reporting.charts.svg import Series, bar_chart, heat_map, line_chart
from reporting.reports import data
from reporting.reports.base import Cell, Report, Section, Table, bucket_params, count_cell
from reporting.reports.filters import ReportFilters
from tickets.custom_fields.registry import FieldConditionError, field_grouping
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import Category, Channel, TicketEvent

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OPEN = sorted(OPEN_STATUSES)


def _by_bucket(f: ReportFilters, queryset, field: str, **aggregates) -> dict:
    """{local bucket start (naive): {name: n}} of `queryset` grouped by its `field` truncated in the tenant zone."""
    rows = queryset.annotate(bucket=f.period.trunc(field)).values("bucket").annotate(**aggregates).order_by()
    return {f.period.key(row.pop("bucket")): row for row in rows}


def backlog_series(f: ReportFilters, buckets: list) -> tuple[list[int], int]:
    """Open tickets at the end of each bucket, walked back from the open count now: each later creation or move
    into an open status is taken off, each later move out of open put back. Returns (series, open now)."""
    now_open = data.open_now(f).count()
    start = f.period.start
    created = _by_bucket(f, f.tickets().filter(created_at__gte=start), "created_at", n=Count("pk"))
    moves = TicketEvent.objects.filter(
        Q(kind__in=data.STATUS_KINDS, field="status", created_at__gte=start), f.ticket_q("ticket__")
    )
    flows = _by_bucket(
        f,
        moves,
        "created_at",
        into=Count("pk", filter=~Q(old_value__in=OPEN) & Q(new_value__in=OPEN)),
        out=Count("pk", filter=Q(old_value__in=OPEN) & ~Q(new_value__in=OPEN)),
    )
    net = {}
    for key, row in created.items():
        net[key] = net.get(key, 0) + row["n"]
    for key, row in flows.items():
        net[key] = net.get(key, 0) + row["into"] - row["out"]
    keys = [f.period.key(b[0]) for b in buckets]
    last_key = keys[-1] if keys else None
    after = sum(v for k, v in net.items() if last_key is None or k > last_key)
    series = [0] * len(keys)
    level = now_open - after
    for index in range(len(keys) - 1, -1, -1):
        series[index] = level
        level -= net.get(keys[index], 0)
    return series, now_open


def build(f: ReportFilters, *, now) -> Report:
    report = Report(
        slug="volume",
        title="Volume",
        intro="How many tickets came in, how many were resolved, and what stayed open.",
    )
    buckets = f.period.buckets()
    labels = [f.period.label(start) for start, _ in buckets]
    created = _by_bucket(f, data.created(f), "created_at", n=Count("pk"))
    resolved = _by_bucket(f, data.resolutions(f), "created_at", n=Count("ticket", distinct=True))
    backlog, now_open = backlog_series(f, buckets)

    over_time = Table(columns=["Bucket", "Created", "Resolved", "Open at end"])
    created_values, resolved_values = [], []
    for (start, end), label, open_at_end in zip(buckets, labels, backlog, strict=True):
        key = f.period.key(start)
        c, r = created.get(key, {}).get("n", 0), resolved.get(key, {}).get("n", 0)
        created_values.append(c)
        resolved_values.append(r)
        narrow = bucket_params(f, start, end)
        over_time.add(
            label, count_cell(c, f, "created", **narrow), count_cell(r, f, "resolved", **narrow), Cell(open_at_end)
        )
    over_time.add(
        "Total",
        count_cell(sum(created_values), f, "created"),
        count_cell(data.resolutions(f).values("ticket_id").distinct().count(), f, "resolved"),
        count_cell(now_open, f, "open"),
    )
    report.sections.append(
        Section(
            title="Created, resolved and open over time",
            definition=(
                "Created: tickets opened in the bucket. Resolved: tickets moved from an open status to resolved or "
                "closed in the bucket (a ticket resolved twice counts in each bucket it was resolved in, once per "
                "bucket; the total counts each ticket once). Open at end: tickets open at the end of the bucket, "
                "from the status history. The total row's open figure is the open backlog now. Merged tickets and "
                "spam are left out; buckets are the help desk's calendar days in its time zone (the days clocks "
                "change have 23 or 25 hours), weeks start on Monday (the first and last week may be partial)."
            ),
            table=over_time,
            chart=line_chart(
                title="Created, resolved and open tickets",
                labels=[f.period.short_label(start) for start, _ in buckets],
                series=[
                    Series("Created", created_values),
                    Series("Resolved", resolved_values),
                    Series("Open at end", backlog),
                ],
            ),
        )
    )

    channels = dict(data.created(f).values_list("channel").annotate(n=Count("pk")).order_by())
    by_channel = Table(columns=["Channel", "Created"])
    for value, label in Channel.choices:
        if channels.get(value):
            by_channel.add(label, count_cell(channels[value], f, "created", channel=value))
    report.sections.append(
        Section(
            title="Created by channel",
            definition="Tickets opened in the period, by the channel they arrived through.",
            table=by_channel,
            chart=bar_chart(
                title="Created by channel",
                labels=[r[0] for r in by_channel.rows],
                series=[Series("Created", [r[1][0].value for r in by_channel.rows])],
            ),
        )
    )

    per_category = list(data.created(f).values_list("category").annotate(n=Count("pk")).order_by("-n"))
    names = dict(Category.objects.filter(pk__in=[c for c, _ in per_category if c]).values_list("pk", "name"))
    by_category = Table(columns=["Category", "Created"])
    for category_id, n in per_category:
        if category_id is None:
            by_category.add("No category", Cell(n))
        else:
            by_category.add(names.get(category_id, "?"), count_cell(n, f, "created", category=category_id))
    report.sections.append(
        Section(
            title="Created by category",
            definition="Tickets opened in the period, by their top-level category now.",
            table=by_category,
            chart=bar_chart(
                title="Created by category",
                labels=[r[0] for r in by_category.rows][:20],
                series=[Series("Created", [r[1][0].value for r in by_category.rows][:20])],
            ),
        )
    )

    zone = f.period.zone
    arrivals = (
        data.created(f)
        .annotate(weekday=ExtractIsoWeekDay("created_at", tzinfo=zone), hour=ExtractHour("created_at", tzinfo=zone))
        .values_list("weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in arrivals:
        grid[weekday - 1][hour] = n
    heat = Table(columns=["Weekday", *[f"{h:02d}" for h in range(24)]])
    for index, name in enumerate(WEEKDAYS):
        heat.add(name, *[count_cell(grid[index][h], f, "arrivals", weekday=index + 1, hour=h) for h in range(24)])
    report.sections.append(
        Section(
            title="Arrivals by weekday and hour",
            definition="Tickets opened in the period, by the weekday and hour of the help desk's local clock.",
            table=heat,
            chart=heat_map(
                title="Arrivals by weekday and hour",
                rows=WEEKDAYS,
                columns=[f"{h:02d}" for h in range(24)],
                values=grid,
            ),
        )
    )

    group_key = f.group_by
    if group_key:
        try:
            grouping = field_grouping(group_key)
        except FieldConditionError as refused:
            f.extra_errors.append(str(refused))
        else:
            counts = grouping.counts(data.created(f))
            table = Table(columns=[grouping.definition.label, "Created"])
            for value, label, n in counts:
                param = "yes" if value == "true" and grouping.definition.type == "checkbox" else value
                table.add(
                    label, Cell(n) if value is None else count_cell(n, f, "created", **{f"cf_{group_key}": param})
                )
            report.sections.append(
                Section(
                    title=f"Created by {grouping.definition.label}",
                    definition=(
                        "Tickets opened in the period, by the custom field's value now (a multiple-choice ticket "
                        "counts once per choice it has)."
                    ),
                    table=table,
                    chart=bar_chart(
                        title=f"Created by {grouping.definition.label}",
                        labels=[r[0] for r in table.rows],
                        series=[Series("Created", [r[1][0].value for r in table.rows])],
                    ),
                )
            )
    return report
