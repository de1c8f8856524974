"""Volume: created, resolved and backlog over time; created by channel and by category; arrivals by weekday and
hour; and, when chosen, created by a custom field."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from reporting.charts.svg import Series, bar_chart, heat_map, line_chart
from reporting.reports import data
from reporting.reports.base import Cell, Report, Section, Table, bucket_params, count_cell
from reporting.reports.filters import ReportFilters
from reporting.reports.grouping import grouping_sets
from tickets.custom_fields.registry import FieldConditionError, field_grouping
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import Category, Channel, TicketEvent

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OPEN = sorted(OPEN_STATUSES)


def _tickets(f: ReportFilters) -> dict:
    """One pass over the tickets created since the period's start (grouping.grouping_sets): per bucket, those
    created in the period and all (the backlog walks back over later ones too); and those created in the period
    by channel, by category and by weekday and hour of the tenant's clock."""
    zone, end = f.period.zone, f.period.end
    in_period = Q(created_at__lt=end)
    groups = grouping_sets(
        f.tickets().filter(created_at__gte=f.period.start),
        keys={
            "bucket": f.period.trunc("created_at"),
            "channel": "channel",
            "category": "category",
            "weekday": ExtractIsoWeekDay("created_at", tzinfo=zone),
            "hour": ExtractHour("created_at", tzinfo=zone),
        },
        sets={"bucket": ("bucket",), "channel": ("channel",), "category": ("category",), "heat": ("weekday", "hour")},
        aggregates={"n": Count("pk", filter=in_period), "all": Count("pk")},
    )
    return {
        "created": {f.period.key(b): row["n"] for (b,), row in groups["bucket"].items()},
        "created_since": {f.period.key(b): row["all"] for (b,), row in groups["bucket"].items()},
        "channel": {c: row["n"] for (c,), row in groups["channel"].items() if row["n"]},
        "category": {c: row["n"] for (c,), row in groups["category"].items() if row["n"]},
        "heat": {key: row["n"] for key, row in groups["heat"].items()},
    }


def _status_changes(f: ReportFilters) -> dict:
    """Per bucket since the period's start, moves into and out of an open status (the backlog); and the tickets
    resolved in the period per bucket (each once per bucket) and in all (each once), in one pass over the
    period's resolutions (its distinct counts sort only those rows, not every status change)."""
    moves = TicketEvent.objects.filter(
        Q(kind__in=data.STATUS_KINDS, field="status", created_at__gte=f.period.start), f.ticket_q("ticket__")
    )
    flows = (
        moves.annotate(bucket=f.period.trunc("created_at"))
        .values("bucket")
        .annotate(
            into=Count("pk", filter=~Q(old_value__in=OPEN) & Q(new_value__in=OPEN)),
            out=Count("pk", filter=Q(old_value__in=OPEN) & ~Q(new_value__in=OPEN)),
        )
        .order_by()
    )
    resolved = grouping_sets(
        data.resolutions(f),
        keys={"bucket": f.period.trunc("created_at")},
        sets={"bucket": ("bucket",), "all": ()},
        aggregates={"n": Count("ticket", distinct=True)},
    )
    return {
        "flows": {f.period.key(row.pop("bucket")): row for row in flows},
        "resolved": {f.period.key(b): row["n"] for (b,), row in resolved["bucket"].items()},
        "resolved_total": resolved["all"].get((), {}).get("n", 0),
    }


def backlog_series(f: ReportFilters, buckets: list, created_since: dict, flows: dict) -> tuple[list[int], int]:
    """Open tickets at the end of each bucket, walked back from the open count now: each later creation or move
    into an open status is taken off, each later move out of open put back. Returns (series, open now)."""
    now_open = data.open_now(f).count()
    net = {}
    for key, n in created_since.items():
        net[key] = net.get(key, 0) + n
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
    tickets = _tickets(f)
    changes = _status_changes(f)
    created = tickets["created"]
    resolved = changes["resolved"]
    backlog, now_open = backlog_series(f, buckets, tickets["created_since"], changes["flows"])

    over_time = Table(columns=["Bucket", "Created", "Resolved", "Open at end"])
    created_values, resolved_values = [], []
    for (start, end), label, open_at_end in zip(buckets, labels, backlog, strict=True):
        key = f.period.key(start)
        c, r = created.get(key, 0), resolved.get(key, 0)
        created_values.append(c)
        resolved_values.append(r)
        narrow = bucket_params(f, start, end)
        over_time.add(
            label, count_cell(c, f, "created", **narrow), count_cell(r, f, "resolved", **narrow), Cell(open_at_end)
        )
    over_time.add(
        "Total",
        count_cell(sum(created_values), f, "created"),
        count_cell(changes["resolved_total"], f, "resolved"),
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

    channels = tickets["channel"]
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

    per_category = sorted(tickets["category"].items(), key=lambda item: (-item[1], item[0] is None, item[0] or 0))
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

    grid = [[0] * 24 for _ in range(7)]
    for (weekday, hour), n in tickets["heat"].items():
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
