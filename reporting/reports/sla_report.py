"""SLA: compliance per target, queue, priority and policy; breaches over time."""

from __future__ import annotations

from django.db.models import Count, Q

from reporting.charts.svg import Series, line_chart
from reporting.reports import data
from reporting.reports.base import Cell, Report, Section, Table, bucket_params, count_cell, percent_cell
from reporting.reports.filters import ReportFilters
from reporting.reports.grouping import grouping_sets
from sla.models import SlaPolicy, SlaTarget, TargetKind
from tickets.models import Priority, Queue

MET = Q(state=SlaTarget.State.MET)
LATE = Q(state=SlaTarget.State.BREACHED)

DEFINITION = (
    "Of the SLA targets decided in the period, the share met on time. A target is decided when it is met (on "
    "time or late: its met time is in the period) or when it is still running past its due (its due is in the "
    "period): those count as breached. Met: on time; breached: late or overdue. Grouped by the ticket's queue and "
    "priority now, and by the policy the target ran under."
)


GROUPS = {"kind": ("kind",), "queue": ("queue",), "priority": ("priority",), "policy": ("policy",), "bucket": ("b",)}


def _grouped(f: ReportFilters, now) -> dict:
    """{grouping: {value: [met, breached]}} for targets decided in the period, grouped by target kind, the ticket's
    queue and priority, the policy and the bucket (of the met time, or of the due while still running) in one pass
    over the finished targets and one over the overdue ones (grouping.grouping_sets)."""
    keys = {"kind": "kind", "queue": "ticket__queue", "priority": "ticket__priority", "policy": "policy"}
    finished = grouping_sets(
        data.finished_targets(f),
        keys={**keys, "b": f.period.trunc("met_at")},
        sets=GROUPS,
        aggregates={"met": Count("pk", filter=MET), "late": Count("pk", filter=LATE)},
    )
    overdue = grouping_sets(
        data.overdue_targets(f, now),
        keys={**keys, "b": f.period.trunc("due_at")},
        sets=GROUPS,
        aggregates={"n": Count("pk")},
    )
    out: dict = {name: {} for name in GROUPS}
    for name in GROUPS:
        for (value,), row in finished[name].items():
            out[name][value] = [row["met"], row["late"]]
        for (value,), row in overdue[name].items():
            out[name].setdefault(value, [0, 0])[1] += row["n"]
    # Breaches over time show the two kinds apart: met late (by met time) and overdue (by due).
    out["late_by_bucket"] = {value: row["late"] for (value,), row in finished["bucket"].items()}
    out["overdue_by_bucket"] = {value: row["n"] for (value,), row in overdue["bucket"].items()}
    return out


def _table(f: ReportFilters, name: str, groups: dict, labels: dict, param: str | None) -> Table:
    table = Table(columns=[name, "Met", "Breached", "Compliance"])
    for value, label in labels.items():
        met, late = groups.get(value, (0, 0))
        if not met and not late:
            continue
        extra = {param: value} if param else {"target": value}
        table.add(
            label,
            count_cell(met, f, "met", **extra),
            count_cell(late, f, "breached", **extra),
            percent_cell(met, met + late),
        )
    return table


def build(f: ReportFilters, *, now) -> Report:
    report = Report(slug="sla", title="SLA", intro="Whether tickets got their answers and resolutions in time.")
    groups = _grouped(f, now)
    by_kind = groups["kind"]
    total_met = sum(v[0] for v in by_kind.values())
    total_late = sum(v[1] for v in by_kind.values())
    kinds = _table(f, "Target", by_kind, dict(TargetKind.choices), None)
    kinds.add(
        "All targets",
        count_cell(total_met, f, "met"),
        count_cell(total_late, f, "breached"),
        percent_cell(total_met, total_met + total_late),
    )
    report.sections.append(Section(title="Compliance per target", definition=DEFINITION, table=kinds))

    by_queue = groups["queue"]
    queues = dict(Queue.objects.filter(pk__in=[k for k in by_queue if k]).values_list("pk", "name"))
    report.sections.append(
        Section(
            title="Compliance per queue",
            definition="As above, by the ticket's queue now.",
            table=_table(f, "Queue", by_queue, queues, "queue"),
        )
    )
    by_priority = groups["priority"]
    report.sections.append(
        Section(
            title="Compliance per priority",
            definition="As above, by the ticket's priority now.",
            table=_table(f, "Priority", by_priority, dict(Priority.choices), "priority"),
        )
    )
    by_policy = groups["policy"]
    policies = dict(SlaPolicy.objects.filter(pk__in=[k for k in by_policy if k]).values_list("pk", "name"))
    report.sections.append(
        Section(
            title="Compliance per policy",
            definition="As above, by the SLA policy the target ran under.",
            table=_table(f, "Policy", by_policy, policies, "policy"),
        )
    )

    buckets = f.period.buckets()
    late = {f.period.key(k): v for k, v in groups["late_by_bucket"].items() if v}
    overdue = {f.period.key(k): v for k, v in groups["overdue_by_bucket"].items()}
    over_time = Table(columns=["Bucket", "Met late", "Overdue, still running", "Breaches"])
    labels, values = [], []
    for start, end in buckets:
        key = f.period.key(start)
        a, b = late.get(key, 0), overdue.get(key, 0)
        label = f.period.label(start)
        labels.append(f.period.short_label(start))
        values.append(a + b)
        over_time.add(label, Cell(a), Cell(b), count_cell(a + b, f, "breached", **bucket_params(f, start, end)))
    report.sections.append(
        Section(
            title="Breaches over time",
            definition=(
                "Targets breached, by when: a target met late counts when it was met; one still running past its "
                "due counts at its due."
            ),
            table=over_time,
            chart=line_chart(title="SLA breaches", labels=labels, series=[Series("Breaches", values)]),
        )
    )
    return report
