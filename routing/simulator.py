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
    ctx = Context()
    # One count per distinct outcome (queue, priority and category before and after), added up per dimension at
    # the end: most tickets share an outcome with many others.
    outcomes: Counter = Counter()
    rule_hits = result.rule_hits
    queues = {}  # queue id -> whether it still exists
    categories = {}  # category id -> the category it files under (None: missing or archived)
    with transaction.atomic():  # one snapshot, and a cursor that streams
        for facts in facts_of(tickets, reads=ruleset.reads):
            matches, plan, _ = evaluate(ruleset, facts, ctx, held=False)
            if matches:
                result.matched += 1
                for match in matches:
                    rule_hits[match.rule.id] += 1
            queue = facts.queue_id
            if plan.queue is not None and facts.ticket_id not in explicit:
                wanted = plan.queue[0]
                if wanted not in queues:
                    queues[wanted] = bool(names.row("queue", wanted))
                if queues[wanted]:
                    queue = wanted
            priority = plan.priority[0] if plan.priority is not None else facts.priority
            category = facts.category_id
            if plan.category is not None:
                wanted = plan.category[0]
                if wanted not in categories:
                    row = names.row("category", wanted)
                    categories[wanted] = (row.parent_id or row.pk) if row is not None and row.is_active else None
                if categories[wanted] is not None:
                    category = categories[wanted]
            outcomes[facts.queue_id, queue, facts.priority, priority, facts.category_id, category] += 1
    actual = {dimension: Counter() for dimension in DIMENSIONS}
    simulated = {dimension: Counter() for dimension in DIMENSIONS}
    for outcome, count in outcomes.items():
        result.total += count
        for n, dimension in enumerate(DIMENSIONS):
            before, after = outcome[2 * n], outcome[2 * n + 1]
            actual[dimension][before] += count
            simulated[dimension][after] += count
            if before != after:
                result.changed[dimension] += count
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
