"""The tickets behind a report's count: `metric` plus the report's filters (and a bucket) as a ticket queryset.

Each metric uses the very querysets of reporting.reports.data that produced the count, so the list and the
number agree by construction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.db.models.lookups import Exact
from django.http import QueryDict

from reporting.reports import data
from reporting.reports.filters import ReportFilters
from sla.models import SlaTarget, TargetKind
from tickets.models import Ticket

METRICS = {
    "created": "Created",
    "arrivals": "Created at this weekday and hour",
    "resolved": "Resolved",
    "final_resolution": "Finally resolved",
    "first_resolution": "First resolved",
    "first_response": "First answered",
    "open": "Open now",
    "reopened": "Finally resolved, and reopened at some time",
    "fcr": "Resolved at first contact",
    "escalated": "Created, and escalated",
    "met": "SLA target met on time",
    "breached": "SLA target breached",
    "rated": "Rated",
}


class UnknownMetric(ValueError):
    pass


def _int(params: QueryDict, name: str) -> int | None:
    try:
        return int(params.get(name, ""))
    except ValueError:
        return None


def _bounds(f: ReportFilters, params: QueryDict) -> tuple[datetime, datetime]:
    """The period, narrowed to one bucket when from_time / to_time (the tenant's wall clock) are given."""
    start, end = f.period.start, f.period.end
    for name in ("from_time", "to_time"):
        raw = params.get(name, "")
        if not raw:
            continue
        try:
            moment = datetime.fromisoformat(raw).replace(tzinfo=f.period.zone)
        except ValueError:
            continue
        if name == "from_time":
            start = max(start, moment)
        else:
            end = min(end, moment)
    return start, end


def tickets_for(f: ReportFilters, params: QueryDict, *, now) -> QuerySet:
    metric = params.get("metric", "")
    if metric not in METRICS:
        raise UnknownMetric(metric)
    start, end = _bounds(f, params)
    ids = None
    if metric == "created":
        return data.created(f, start, end)
    if metric == "arrivals":
        zone = f.period.zone
        weekday, hour = _int(params, "weekday"), _int(params, "hour")
        if weekday is None or hour is None:
            raise UnknownMetric(metric)
        return (
            data.created(f, start, end)
            .annotate(weekday=ExtractIsoWeekDay("created_at", tzinfo=zone), hour=ExtractHour("created_at", tzinfo=zone))
            .filter(weekday=weekday, hour=hour)
        )
    if metric == "resolved":
        ids = data.resolutions(f, start, end).values("ticket_id")
    elif metric == "final_resolution":
        ids = data.final_resolutions(f, start, end).values("ticket_id")
    elif metric == "first_resolution":
        ids = data.first_resolutions(f, start, end).values("ticket_id")
    elif metric == "reopened":
        ids = data.final_resolutions(f, start, end).filter(data.reopened_q()).values("ticket_id")
    elif metric == "fcr":
        fcr = ~data.reopened_q() & Q(Exact(data.agent_replies(), 1))
        ids = data.final_resolutions(f, start, end).filter(fcr).values("ticket_id")
    elif metric == "first_response":
        return data.first_responses(f, start, end)
    elif metric == "escalated":
        return data.created(f, start, end).filter(data.escalated_q())
    elif metric == "open":
        tickets = data.open_now(f)
        low, high = _int(params, "age_min"), _int(params, "age_max")
        if low is not None:
            tickets = tickets.filter(created_at__lte=now - timedelta(days=low))
        if high is not None:
            tickets = tickets.filter(created_at__gt=now - timedelta(days=high))
        return tickets
    elif metric in ("met", "breached"):
        targets = _targets(f, params, metric, start, end, now)
        return f.tickets().filter(Exists(targets.filter(ticket=OuterRef("pk"))))
    elif metric == "rated":
        ratings = data.ratings(f, start, end)
        score = _int(params, "score")
        if score is not None:
            ratings = ratings.filter(score=score)
        ids = ratings.values("ticket_id")
    return Ticket.objects.filter(pk__in=ids)


def _targets(f, params, metric, start, end, now) -> QuerySet:
    if metric == "met":
        targets = data.finished_targets(f, start, end).filter(state=SlaTarget.State.MET)
    else:
        late = Q(state=SlaTarget.State.BREACHED, met_at__gte=start, met_at__lt=end)
        overdue = Q(state=SlaTarget.State.RUNNING, due_at__gte=start, due_at__lt=min(end, now))
        targets = SlaTarget.objects.filter(late | overdue).filter(f.ticket_q("ticket__"))
    kind = params.get("target", "")
    if kind in TargetKind.values:
        targets = targets.filter(kind=kind)
    policy = _int(params, "policy")
    if policy is not None:
        targets = targets.filter(policy_id=policy)
    return targets
