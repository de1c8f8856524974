"""Reads for routing's pages: the rules in words, a ticket's decisions in words, the published version.

Every function here describes many rows with one `Names` (one query per kind of row named), so a page's query
count does not grow with its rules or decisions."""

from __future__ import annotations

from dataclasses import dataclass

from routing.actions import describe_action
from routing.conditions import describe_condition
from routing.models import RoutingDecision, Rule, RuleSetVersion
from routing.names import Names
from tickets.models import Ticket

SKIP_WORDS = {
    "explicit": "kept: a person chose the queue when creating the ticket",
    "moved": "kept: a person had just moved the ticket",
    "missing": "skipped: it no longer exists",
    "inactive": "skipped: inactive",
    "assigned": "skipped: the ticket already has an assignee",
    "closed": "skipped: the ticket is not open",
    "refused": "refused",
    "broken": "skipped: the rule cannot run",
}


@dataclass(frozen=True)
class RuleView:
    rule: Rule
    when: str
    then: str


def rule_words(conditions: list[dict], match: str, names: Names) -> str:
    if not conditions:
        return "every ticket"
    joiner = " and " if match != "any" else " or "
    return joiner.join(describe_condition(condition, names) for condition in conditions)


def actions_words(actions: list[dict], names: Names) -> str:
    return ", ".join(describe_action(action, names) for action in actions) or "nothing"


def list_rules(names: Names | None = None) -> list[RuleView]:
    """The draft's rules in order, each in words."""
    names = names or Names()
    return [
        RuleView(
            rule=rule, when=rule_words(rule.conditions, rule.match, names), then=actions_words(rule.actions, names)
        )
        for rule in Rule.objects.order_by("position", "id")
    ]


def published_version() -> RuleSetVersion | None:
    return RuleSetVersion.objects.select_related("published_by__user").order_by("-number").first()


@dataclass(frozen=True)
class DecisionView:
    decision: RoutingDecision
    lines: list[str]
    skips: list[str]


@dataclass(frozen=True)
class MatchedRule:
    id: int
    name: str
    match: str
    held: list[dict]  # the conditions that held


def matched_rules(decision: RoutingDecision) -> list[MatchedRule]:
    """The rules a decision matched, named and with the conditions that held, from its version's snapshot (or,
    for a decision written before 2026-12-07, from its own copy)."""
    rules = {rule.get("id"): rule for rule in decision.version.rules} if decision.version_id else {}
    matched = []
    for entry in decision.matched:
        rule = rules.get(entry.get("rule")) or {}
        if "conditions" in entry:
            held = entry["conditions"]
        else:
            conditions = rule.get("conditions") or []
            positions = entry.get("held")
            held = conditions if positions is None else [conditions[i] for i in positions if i < len(conditions)]
        matched.append(
            MatchedRule(
                id=entry.get("rule"),
                name=entry.get("name") or rule.get("name") or f"#{entry.get('rule')}",
                match=entry.get("match") or rule.get("match") or "all",
                held=held,
            )
        )
    return matched


def describe_decision(decision: RoutingDecision, names: Names) -> DecisionView:
    """ "Rule 'VIP billing' matched: tier is VIP and category is Billing → queue Finance, priority high"."""
    by_rule: dict[int, list[str]] = {}
    for applied in decision.applied:
        by_rule.setdefault(applied.get("rule"), []).append(describe_action(applied, names))
    lines = []
    matched = matched_rules(decision)
    for match in matched:
        when = rule_words(match.held, match.match, names)
        did = by_rule.get(match.id) or ["nothing changed"]
        lines.append(f"Rule “{match.name}” matched: {when} → {', '.join(did)}")
    skips = []
    for skipped in decision.skipped:
        what = describe_action(skipped, names) if skipped.get("action") else "the rule"
        rule = next((m.name for m in matched if m.id == skipped.get("rule")), None)
        words = SKIP_WORDS.get(skipped.get("why"), skipped.get("why"))
        detail = skipped.get("detail") or ""
        prefix = f"Rule “{rule}”: " if rule else ""
        skips.append(
            f"{prefix}{what} {words}{f' ({detail})' if detail and skipped.get('why') in ('refused', 'broken') else ''}"
        )
    return DecisionView(decision=decision, lines=lines, skips=skips)


def ticket_decisions(ticket: Ticket, *, limit: int = 5) -> list[DecisionView]:
    """The ticket's newest routing decisions, newest first, in words."""
    names = Names()
    rows = RoutingDecision.objects.filter(ticket=ticket).select_related("version", "requested_by__user")
    return [describe_decision(row, names) for row in rows.order_by("-created_at", "-id")[:limit]]
