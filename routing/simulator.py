"""Replay a rule set (the draft, by default) over the tenant's tickets of the last N days and count, per queue,
priority and category, what the rules would have decided beside what the tickets have now.

Rule outcomes only: assignment depends on who was available at the time, which is not replayed. The rules see
each ticket as it is now (its category, priority, tags and first message), and a queue a person chose when
creating the ticket is kept, as the engine keeps it. Reads are set-based (routing.facts: one streamed query, plus
tags and follow-up links per 2,000 tickets when a rule reads them) and fetch only the facts the rules read; the
rules are compiled once, so 100,000 tickets are a few seconds of Python."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from routing.compiler import CompiledRuleSet, compile_rules
from routing.conditions import Context
from routing.engine import evaluate
from routing.facts import facts_of
from routing.names import Names
from tickets.models import Priority, Ticket, TicketEvent

DIMENSIONS = ("queue", "priority", "category")


@dataclass(frozen=True)
class Row:
    label: str
    actual: int
    simulated: int

    @property
    def difference(self) -> int:
        return self.simulated - self.actual


@dataclass
class Simulation:
    days: int
    since: datetime
    total: int = 0
    changed: Counter = field(default_factory=Counter)  # dimension -> tickets that would differ
    matched: int = 0  # tickets at least one rule matched
    rule_hits: Counter = field(default_factory=Counter)  # rule id -> tickets
    counts: dict = field(default_factory=dict)  # dimension -> {"actual": Counter, "simulated": Counter}
    rows: dict = field(default_factory=dict)  # dimension -> [Row]
    rule_names: dict = field(default_factory=dict)


def simulate(
    *, days: int = 30, ruleset: CompiledRuleSet | None = None, rules: list[dict] | None = None, now=None
) -> Simulation:
    """Run `ruleset` (or `rules` as stored in a version, or the draft) over the tickets created in the last
    `days` days."""
    from routing.services import draft_rules

    if ruleset is None:
        rules = draft_rules() if rules is None else rules
        ruleset = compile_rules(rules)
    now = now or timezone.now()
    since = now - timedelta(days=days)
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lte=now)
    explicit = set(
        TicketEvent.objects.filter(kind="queue_chosen", ticket__in=tickets.values("pk")).values_list(
            "ticket_id", flat=True
        )
    )
    names = Names()
    result = Simulation(days=days, since=since, rule_names={rule.id: rule.name for rule in ruleset.rules})
    actual = {dimension: Counter() for dimension in DIMENSIONS}
    simulated = {dimension: Counter() for dimension in DIMENSIONS}
    ctx = Context()
    with transaction.atomic():  # one snapshot, and a cursor that streams
        for facts in facts_of(tickets, reads=ruleset.reads):
            result.total += 1
            matches, plan, _ = evaluate(ruleset, facts, ctx)
            if matches:
                result.matched += 1
                for match in matches:
                    result.rule_hits[match.rule.id] += 1
            queue = facts.queue_id
            if plan.queue is not None and facts.ticket_id not in explicit and names.row("queue", plan.queue[0]):
                queue = plan.queue[0]
            priority = plan.priority[0] if plan.priority is not None else facts.priority
            category = facts.category_id
            if plan.category is not None:
                row = names.row("category", plan.category[0])
                if row is not None and row.is_active:
                    category = row.parent_id or row.pk
            for dimension, before, after in (
                ("queue", facts.queue_id, queue),
                ("priority", facts.priority, priority),
                ("category", facts.category_id, category),
            ):
                actual[dimension][before] += 1
                simulated[dimension][after] += 1
                if before != after:
                    result.changed[dimension] += 1
    result.counts = {d: {"actual": actual[d], "simulated": simulated[d]} for d in DIMENSIONS}
    result.rows = {d: _rows(d, actual[d], simulated[d], names) for d in DIMENSIONS}
    return result


def _label(dimension: str, value: object, names: Names) -> str:
    if value is None:
        return "(none)"
    if dimension == "priority":
        return Priority(value).label
    return names.name(dimension, value)


def _rows(dimension: str, actual: Counter, simulated: Counter, names: Names) -> list[Row]:
    values = set(actual) | set(simulated)
    rows = [Row(_label(dimension, v, names), actual.get(v, 0), simulated.get(v, 0)) for v in values]
    return sorted(rows, key=lambda row: (-max(row.actual, row.simulated), row.label))
