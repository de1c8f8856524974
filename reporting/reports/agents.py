"""Agents and teams: tickets handled, median first response and resolution, satisfaction, SLA compliance.

Handled: a ticket finally resolved in the period counts for its assignee (and the assignee's queue team: the
ticket's team) as it is now, which is the person who held it when it was resolved unless it was handed on
afterwards. Earlier holders of a ticket that moved between agents get no credit for it: one ticket, one
owner, so the rows add up to the total."""

from __future__ import annotations

from django.db.models import Avg, Count, F, Q

from reporting.reports import data
from reporting.reports.base import EMPTY, Cell, Report, Section, Table, count_cell, hours_cell, percent_cell
from reporting.reports.filters import ReportFilters
from reporting.reports.grouping import grouping_sets
from reporting.reports.sql import PercentileCont, Seconds
from sla.models import SlaTarget
from tenancy.models import Membership
from tickets.models import Team

DEFINITION = (
    "Handled: tickets finally resolved in the period, credited to the ticket's assignee now (normally the agent "
    "who resolved it; an agent who handed a ticket on before it was resolved is not credited, so each ticket "
    "counts once). First response and resolution: medians in calendar time of the tickets first answered, or "
    "finally resolved, in the period, by the same assignee. Satisfaction: average rating given in the period. "
    "SLA: share of targets decided in the period met on time."
)


OWNERS = {"assignee": ("assignee",), "team": ("team",)}


def _rows(f: ReportFilters, now) -> dict:
    """{"assignee" | "team": {owner id: {measure: value}}}: each figure one pass over its rows, grouped both ways
    at once (grouping.grouping_sets), the owner being the ticket's field."""
    out: dict = {owner: {} for owner in OWNERS}

    def put(figures: dict, **names) -> None:
        for owner, groups in figures.items():
            for (key,), values in groups.items():
                row = out[owner].setdefault(key, {})
                for name, source in names.items():
                    row[name] = row.get(name, 0) + values[source] if name == "late" else values[source]

    on_ticket = {owner: f"ticket__{owner}" for owner in OWNERS}
    # The tickets finally resolved in the period, as the drill-down's final_resolutions, from the per-ticket
    # facts (reporting.facts): one row per ticket, no probe for a later resolution.
    resolution = PercentileCont(Seconds(F("final_resolved_at"), F("ticket_created_at")), fraction=0.5)
    finals = grouping_sets(
        data.resolved_facts(f, "final_resolved_at"),
        keys=on_ticket,
        sets=OWNERS,
        aggregates={"n": Count("pk"), "median": resolution},
    )
    put(finals, handled="n", resolution="median")
    first_response = PercentileCont(Seconds(F("first_response_at"), F("created_at")), fraction=0.5)
    answered = grouping_sets(
        data.first_responses(f), keys={o: o for o in OWNERS}, sets=OWNERS, aggregates={"median": first_response}
    )
    put(answered, first_response="median")
    rated = grouping_sets(
        data.ratings(f), keys=on_ticket, sets=OWNERS, aggregates={"a": Avg("score"), "n": Count("pk")}
    )
    put(rated, csat="a", rated="n")
    decided = grouping_sets(
        data.finished_targets(f),
        keys=on_ticket,
        sets=OWNERS,
        aggregates={
            "met": Count("pk", filter=Q(state=SlaTarget.State.MET)),
            "late": Count("pk", filter=Q(state=SlaTarget.State.BREACHED)),
        },
    )
    put(decided, met="met", late="late")
    overdue = grouping_sets(data.overdue_targets(f, now), keys=on_ticket, sets=OWNERS, aggregates={"n": Count("pk")})
    put(overdue, late="n")
    return out


def _table(f: ReportFilters, rows: dict, names: dict, param: str) -> Table:
    table = Table(columns=["Name", "Handled", "Median first response", "Median resolution", "Satisfaction", "SLA met"])
    ordered = sorted(rows.items(), key=lambda item: (-item[1].get("handled", 0), names.get(item[0], "~")))
    for key, values in ordered:
        met, late = values.get("met", 0), values.get("late", 0)
        csat = values.get("csat")
        handled = values.get("handled", 0)
        label = (
            names.get(key, "Unassigned" if param == "agent" else "No team")
            if key
            else ("Unassigned" if param == "agent" else "No team")
        )
        table.add(
            label,
            count_cell(handled, f, "final_resolution", **{param: key}) if key else Cell(handled),
            hours_cell(values.get("first_response")),
            hours_cell(values.get("resolution")),
            Cell(
                None if csat is None else round(csat, 2),
                text=EMPTY if csat is None else f"{csat:.2f} ({values['rated']})",
            ),
            percent_cell(met, met + late),
        )
    return table


def build(f: ReportFilters, *, now) -> Report:
    report = Report(slug="agents", title="Agents and teams", intro="Who handled what, how fast and how well.")
    rows = _rows(f, now)
    by_agent = rows["assignee"]
    agents = {
        m.pk: m.display_name or m.user.email
        for m in Membership.objects.filter(pk__in=[k for k in by_agent if k]).select_related("user")
    }
    report.sections.append(Section(title="Agents", definition=DEFINITION, table=_table(f, by_agent, agents, "agent")))
    by_team = rows["team"]
    teams = dict(Team.objects.filter(pk__in=[k for k in by_team if k]).values_list("pk", "name"))
    report.sections.append(
        Section(
            title="Teams",
            definition="As above, by the ticket's team now (its queue's team).",
            table=_table(f, by_team, teams, "team"),
        )
    )
    return report
