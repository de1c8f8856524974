"""The rule engine: evaluate the rules in force for one ticket and check what they ask for against the ticket and
its targets, changing nothing (routing.route applies the result and records the decision).

Three steps, the first two pure, here (the editor's "test against a ticket" and the simulator run them and stop):
1. `evaluate`: the rules in order, each matched rule's actions folded into one Plan; a matched rule that says
   "stop" ends the evaluation.
2. `check`: the plan against the ticket: a queue a person chose when creating the ticket (or just moved it to) is
   kept, a target that is gone or inactive is skipped, an assignee is never replaced; every skip says why.
3. `routing.route.route_ticket`: applies the checked plan in one `update_ticket` call (one audit trail, one feed
   entry), the rest (skills, notes, notifications) beside it, writes the RoutingDecision and sends `rules_applied`,
   all in one transaction. A decision is unique per change-feed entry: an entry handed over twice is decided once.

In a drain batch, new tickets take `routing.route.route_together`: the same three steps for all of them at once, with
the same rows written, in a fixed number of statements.

Routing's own changes carry the actor "routing", so the feed never hands them back (no loops).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from routing import batch
from routing.actions import Plan
from routing.compiler import CompiledRule, CompiledRuleSet, compiled_version
from routing.conditions import Context, Facts
from routing.facts import facts_for
from routing.models import RoutingDecision, RuleSetVersion
from routing.names import Names
from tenancy.models import Membership
from tickets.models import Category, Team, Ticket, TicketEvent

CREATED, UPDATED, RERUN = (RoutingDecision.Trigger.CREATED, RoutingDecision.Trigger.UPDATED,
                           RoutingDecision.Trigger.RERUN)  # fmt: skip


class Match(NamedTuple):
    """A rule that matched and the conditions that held (a tuple: one is made per matched rule per ticket)."""

    rule: CompiledRule
    held: list[dict]


@dataclass
class Outcome:
    """What routing would do to one ticket: `changes` for update_ticket, and the rest, each with its rule."""

    matches: list[Match]
    changes: dict = field(default_factory=dict)
    applied: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    skills: list[tuple[int, int]] = field(default_factory=list)
    notes: list[tuple[str, int]] = field(default_factory=list)
    notify: list[tuple[Membership, int]] = field(default_factory=list)
    wants_strategy: bool = False


def current_version() -> RuleSetVersion | None:
    return RuleSetVersion.objects.order_by("-number").first()


def rules_in_force() -> CompiledRuleSet:
    return compiled_version(current_version())


def evaluate(ruleset: CompiledRuleSet, facts: Facts, ctx: Context, *, trigger: str = CREATED, held: bool = True):
    """The matched rules in order and the merged plan of their actions; rules that cannot run are skips. With
    `held=False` a match does not list the conditions that held (the simulator counts rules, not conditions)."""
    plan, matches, skipped = Plan(), [], []
    ruleset.prepare(facts, ctx)
    for rule, predicate, folds, stop, error, every in ruleset.update_steps if trigger == UPDATED else ruleset.steps:
        if error:
            skipped.append({"rule": rule.id, "action": "", "value": None, "why": "broken", "detail": error})
            continue
        if not predicate(facts, ctx):
            continue
        if not held:
            matches.append(Match(rule, []))
        else:
            matches.append(Match(rule, list(every) if every is not None else rule.held(facts, ctx)))
        rule_id = rule.id
        for fold, value in folds:
            fold(plan, value, rule_id)
        if stop:
            break
    return matches, plan, skipped


def skip(outcome: Outcome, action: str, value: object, rule: int, why: str, detail: str) -> None:
    outcome.skipped.append({"action": action, "value": value, "rule": rule, "why": why, "detail": detail})


def _apply(outcome: Outcome, action: str, value: object, rule: int) -> None:
    outcome.applied.append({"action": action, "value": value, "rule": rule})


def check(
    plan: Plan,
    ticket: Ticket,
    names: Names,
    *,
    matches: list[Match],
    queue_kept: str = "",
    skipped: list[dict] | None = None,
) -> Outcome:
    """The plan as it would apply to `ticket` (no writes). `queue_kept` is why the queue must stay ("explicit": a
    person chose it at creation; "moved": a person just moved it), "" when rules may move it."""
    outcome = Outcome(matches=matches, skipped=list(skipped or ()))
    if plan.queue is not None:
        queue_id, rule = plan.queue
        queue = names.row("queue", queue_id)
        if queue is None:
            skip(outcome, "set_queue", queue_id, rule, "missing", "the queue no longer exists")
        elif not getattr(queue, "is_active", True):
            skip(outcome, "set_queue", queue_id, rule, "inactive", f"the queue {queue.name} is inactive")
        elif queue_kept and queue.pk != ticket.queue_id:
            detail = (
                "a person chose the queue when creating the ticket"
                if queue_kept == "explicit"
                else "a person just moved the ticket"
            )
            skip(outcome, "set_queue", queue_id, rule, queue_kept, detail)
        else:
            outcome.changes["queue"] = queue
            _apply(outcome, "set_queue", queue_id, rule)
    if plan.priority is not None:
        priority, rule = plan.priority
        outcome.changes["priority"] = priority
        _apply(outcome, "set_priority", priority, rule)
    if plan.category is not None:
        category_id, rule = plan.category
        category: Category | None = names.row("category", category_id)
        if category is None:
            skip(outcome, "set_category", category_id, rule, "missing", "the category no longer exists")
        elif not category.is_active or (category.parent_id and not category.parent.is_active):
            skip(outcome, "set_category", category_id, rule, "inactive", f"the category {category} is archived")
        else:
            if category.parent_id:
                outcome.changes.update(category=category.parent, subcategory=category)
            else:
                outcome.changes.update(category=category, subcategory=None)
            _apply(outcome, "set_category", category_id, rule)
    if plan.escalation is not None:
        level, rule = plan.escalation
        if names.row("tier", level) is None:
            skip(outcome, "set_escalation", level, rule, "missing", f"there is no escalation tier {level}")
        elif not ticket.is_open:
            skip(outcome, "set_escalation", level, rule, "closed", "only open tickets can be escalated")
        else:
            outcome.changes["escalation_level"] = level
            _apply(outcome, "set_escalation", level, rule)
    if plan.assignee is not None:
        member_id, rule = plan.assignee
        member: Membership | None = names.row("agent", member_id)
        if member is None:
            skip(outcome, "assign_agent", member_id, rule, "missing", "the agent is no longer a member")
        elif not member.is_staff_member:
            skip(outcome, "assign_agent", member_id, rule, "inactive", f"{member.display_name} is inactive")
        elif ticket.assignee_id is not None and ticket.assignee_id != member.pk:
            skip(outcome, "assign_agent", member_id, rule, "assigned", "the ticket already has an assignee")
        else:
            outcome.changes["assignee"] = member
            _apply(outcome, "assign_agent", member_id, rule)
    if plan.strategy is not None:
        outcome.wants_strategy = "assignee" not in outcome.changes
        _apply(outcome, "assign_strategy", None, plan.strategy)
    if plan.tags:
        outcome.changes["add_tags"] = sorted({tag for tag, _ in plan.tags})
        for tag, rule in plan.tags:
            _apply(outcome, "add_tags", [tag], rule)
    for skill_id, rule in plan.skills:
        if names.row("skill", skill_id) is None:
            skip(outcome, "require_skills", [skill_id], rule, "missing", "the skill no longer exists")
        else:
            outcome.skills.append((skill_id, rule))
            _apply(outcome, "require_skills", [skill_id], rule)
    for text, rule in plan.notes:
        outcome.notes.append((text, rule))
        _apply(outcome, "add_note", text, rule)
    for recipient, rule in plan.notify:
        members = _recipients(recipient, names)
        if not members:
            skip(outcome, "notify", recipient, rule, "inactive", "nobody active to notify")
        else:
            outcome.notify.extend((member, rule) for member in members)
            _apply(outcome, "notify", recipient, rule)
    return outcome


def _recipients(recipient: dict, names: Names) -> list[Membership]:
    if "agent" in recipient:
        member = names.row("agent", recipient["agent"])
        return [member] if member is not None and member.is_staff_member else []
    team: Team | None = names.row("team", recipient.get("team"))
    if team is None:
        return []
    return [m for m in team.members.select_related("user") if m.is_staff_member]


def queue_kept(ticket_id: int, *, trigger: str, change_events=(), reads: batch.BatchReads | None = None) -> str:
    """Why rules must leave the queue alone: a person chose it at creation, or this change is a person moving it."""
    if trigger == UPDATED and any(
        event.kind == "queue_changed" and not event.actor_automation for event in change_events
    ):
        return "moved"
    if reads is not None:
        return "explicit" if ticket_id in reads.explicit else ""
    if TicketEvent.objects.filter(ticket_id=ticket_id, kind="queue_chosen").exists():
        return "explicit"
    return ""


def preview(ruleset: CompiledRuleSet, ticket: Ticket, *, trigger: str = CREATED) -> Outcome:
    """What the rules would do to this ticket now, changing nothing (the editor's "test against a ticket")."""
    names = Names()
    matches, plan, skipped = evaluate(ruleset, facts_for(ticket.pk), Context(), trigger=trigger)
    return check(plan, ticket, names, matches=matches, queue_kept=queue_kept(ticket.pk, trigger=trigger),
                 skipped=skipped)  # fmt: skip
