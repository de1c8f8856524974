"""The rule engine: evaluate the rules in force for one ticket, check what they ask for against the ticket and its
targets, apply it through tickets.services as the "routing" automation, and record the decision.

Three steps, the first two pure (the editor's "test against a ticket" and the simulator run them and stop):
1. `evaluate`: the rules in order, each matched rule's actions folded into one Plan; a matched rule that says
   "stop" ends the evaluation.
2. `check`: the plan against the ticket: a queue a person chose when creating the ticket (or just moved it to) is
   kept, a target that is gone or inactive is skipped, an assignee is never replaced; every skip says why.
3. `route_ticket`: applies the checked plan in one `update_ticket` call (one audit trail, one feed entry), the
   rest (skills, notes, notifications) beside it, writes the RoutingDecision and sends `rules_applied`, all in one
   transaction. A decision is unique per change-feed entry: an entry handed over twice is decided once.

In a drain batch, new tickets take `route_together`: the same three steps for all of them at once, with the same
rows written, in a fixed number of statements.

Routing's own changes carry the actor "routing", so the feed never hands them back (no loops).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction

from routing import batch
from routing.actions import Plan
from routing.assignment.services import assigning_together
from routing.compiler import CompiledRule, CompiledRuleSet, compiled_version
from routing.conditions import Context, Facts
from routing.facts import facts_for
from routing.models import RoutingDecision, RuleSetVersion, TicketSkillRequirement
from routing.names import Names
from routing.signals import rules_applied
from tenancy.actors import Automation
from tenancy.errors import ServiceError
from tenancy.models import Membership
from tickets import clock
from tickets.feed.registry import Change
from tickets.models import Category, Team, Ticket, TicketEvent

ROUTING = Automation("routing")
NOTIFICATION_KIND = "routed"

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


def _skip(outcome: Outcome, action: str, value: object, rule: int, why: str, detail: str) -> None:
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
            _skip(outcome, "set_queue", queue_id, rule, "missing", "the queue no longer exists")
        elif not getattr(queue, "is_active", True):
            _skip(outcome, "set_queue", queue_id, rule, "inactive", f"the queue {queue.name} is inactive")
        elif queue_kept and queue.pk != ticket.queue_id:
            detail = (
                "a person chose the queue when creating the ticket"
                if queue_kept == "explicit"
                else "a person just moved the ticket"
            )
            _skip(outcome, "set_queue", queue_id, rule, queue_kept, detail)
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
            _skip(outcome, "set_category", category_id, rule, "missing", "the category no longer exists")
        elif not category.is_active or (category.parent_id and not category.parent.is_active):
            _skip(outcome, "set_category", category_id, rule, "inactive", f"the category {category} is archived")
        else:
            if category.parent_id:
                outcome.changes.update(category=category.parent, subcategory=category)
            else:
                outcome.changes.update(category=category, subcategory=None)
            _apply(outcome, "set_category", category_id, rule)
    if plan.escalation is not None:
        level, rule = plan.escalation
        if names.row("tier", level) is None:
            _skip(outcome, "set_escalation", level, rule, "missing", f"there is no escalation tier {level}")
        elif not ticket.is_open:
            _skip(outcome, "set_escalation", level, rule, "closed", "only open tickets can be escalated")
        else:
            outcome.changes["escalation_level"] = level
            _apply(outcome, "set_escalation", level, rule)
    if plan.assignee is not None:
        member_id, rule = plan.assignee
        member: Membership | None = names.row("agent", member_id)
        if member is None:
            _skip(outcome, "assign_agent", member_id, rule, "missing", "the agent is no longer a member")
        elif not member.is_staff_member:
            _skip(outcome, "assign_agent", member_id, rule, "inactive", f"{member.display_name} is inactive")
        elif ticket.assignee_id is not None and ticket.assignee_id != member.pk:
            _skip(outcome, "assign_agent", member_id, rule, "assigned", "the ticket already has an assignee")
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
            _skip(outcome, "require_skills", [skill_id], rule, "missing", "the skill no longer exists")
        else:
            outcome.skills.append((skill_id, rule))
            _apply(outcome, "require_skills", [skill_id], rule)
    for text, rule in plan.notes:
        outcome.notes.append((text, rule))
        _apply(outcome, "add_note", text, rule)
    for recipient, rule in plan.notify:
        members = _recipients(recipient, names)
        if not members:
            _skip(outcome, "notify", recipient, rule, "inactive", "nobody active to notify")
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


def route_ticket(
    *,
    ticket_id: int,
    trigger: str,
    entry_id: int | None = None,
    change_events=(),
    replay: bool = False,
    requested_by: Membership | None = None,
    ruleset: CompiledRuleSet | None = None,
) -> RoutingDecision | None:
    """Run the rules in force on one ticket and apply them; None when there was nothing to decide (an update with
    no rule marked for updates) or the entry was decided before. Call inside a tenant context."""
    from tickets.services.common import holding, lock

    reads = batch.current()  # what the drain batch read for all its tickets, when routing runs in one
    if reads is not None:
        if entry_id is not None and entry_id in reads.decided:
            return None
        ruleset = ruleset or reads.ruleset
    elif entry_id is not None and RoutingDecision.objects.filter(entry_id=entry_id).exists():
        return None
    ruleset = ruleset or compiled_version(current_version())
    with transaction.atomic(), ExitStack() as stack:
        ticket = lock(ticket_id)
        # The services below (update_ticket, notes, assignment) reuse this lock instead of re-reading the row.
        held = stack.enter_context(holding(ticket))
        if trigger == UPDATED and not ruleset.has_update_rules:
            moved = any(event.kind == "queue_changed" for event in change_events)
            if moved and ticket.is_open and ticket.assignee_id is None:
                rules_applied.send(sender=RoutingDecision, ticket=ticket, entry_id=entry_id, assign="strategy",
                                   decision=None)  # fmt: skip
            return None
        names = reads.names if reads is not None else Names()
        facts = (reads.facts_for(ticket) if reads is not None else None) or facts_for(ticket.pk)
        matches, plan, skipped = evaluate(ruleset, facts, Context(), trigger=trigger)
        kept = queue_kept(ticket.pk, trigger=trigger, change_events=change_events, reads=reads)
        outcome = check(plan, ticket, names, matches=matches, queue_kept=kept, skipped=skipped)
        decision = _decision(ticket, entry_id, ruleset, trigger, matches, replay=replay, requested_by=requested_by)
        decision.save(force_insert=True)
        ticket = held[ticket.pk] = _write(ticket, outcome, decision, replay=replay)
        assign = _assign(ticket, outcome, trigger=trigger, moved=_moved(outcome, change_events))
        decision.applied, decision.skipped, decision.assign = outcome.applied, outcome.skipped, assign
        decision.save(update_fields=["applied", "skipped", "assign"])
        rules_applied.send(sender=RoutingDecision, ticket=ticket, entry_id=entry_id, assign=assign, decision=decision)
    return decision


def _decision(ticket, entry_id, ruleset, trigger, matches, *, replay, requested_by) -> RoutingDecision:
    """The decision row, not yet written (what it applied and skipped is filled in by the caller)."""
    return RoutingDecision(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        entry_id=entry_id,
        version_id=ruleset.version_id,
        trigger=trigger,
        matched=[
            {
                "rule": m.rule.id,
                "name": m.rule.name,
                "match": "all" if m.rule.match_all else "any",
                "conditions": m.held,
            }
            for m in matches
        ],
        replay=replay,
        requested_by=requested_by,
        created_at=clock.now(),
    )


def _moved(outcome: Outcome, change_events) -> bool:
    return "queue" in outcome.changes or any(event.kind == "queue_changed" for event in change_events)


def route_together(changes: list[Change], reads: batch.BatchReads) -> None:
    """`route_ticket` for a drain batch's new tickets (routing.batch defers them to the batch's end), with the
    same decisions, audit events, feed entries and hand-offs to assignment, in a fixed number of statements for
    the rules' part: the tickets locked in one statement (id order), the decisions inserted in one, their field
    changes written by tickets.services.update_tickets (one UPDATE, one INSERT of events).

    Added tags follow a ticket's other fields (in a savepoint each, as update_ticket orders them), and the queues'
    strategies pick for the whole batch at once (routing.assignment.services.assigning_together). A ticket whose
    facts are stale (it changed since the batch read them), or whose plan names an assignee or adds tags and
    escalates, takes route_ticket's way; one whose changes are refused takes route_ticket's one-by-one way. Runs
    inside the batch's transaction: a failure rolls all back, and the feed redoes the batch one change at a time
    (route_ticket)."""
    from tickets.services.common import holding, lock_tickets
    from tickets.services.updates import TOGETHER, update_tickets

    changes = [change for change in changes if change.entry_id not in reads.decided]
    tickets = lock_tickets(change.ticket_id for change in changes)
    together, apart = [], []
    for change in changes:
        ticket = tickets.get(change.ticket_id)
        facts = reads.facts_for(ticket) if ticket is not None else None
        if facts is None:
            apart.append(change)
            continue
        matches, plan, skipped = evaluate(reads.ruleset, facts, Context(), trigger=CREATED)
        kept = queue_kept(ticket.pk, trigger=CREATED, change_events=change.events, reads=reads)
        outcome = check(plan, ticket, reads.names, matches=matches, queue_kept=kept, skipped=skipped)
        # Tags after the other fields, as update_ticket orders them; an escalation would come after the tags.
        if not set(outcome.changes) <= {*TOGETHER, "add_tags"} or {"add_tags", "escalation_level"} <= set(
            outcome.changes
        ):
            apart.append(change)
            continue
        decision = _decision(ticket, change.entry_id, reads.ruleset, CREATED, matches, replay=False,
                             requested_by=None)  # fmt: skip
        decision.applied, decision.skipped = outcome.applied, outcome.skipped
        decision.assign = _assign(ticket, outcome, trigger=CREATED, moved=_moved(outcome, change.events))
        together.append((change, ticket, outcome, decision))
    with holding(*(ticket for _, ticket, _, _ in together)) as held:
        RoutingDecision.objects.bulk_create([decision for *_, decision in together])
        fields = {ticket.pk: _without(outcome.changes, "add_tags") for _, ticket, outcome, _ in together}
        refused = update_tickets(
            changes=[(ticket, fields[ticket.pk]) for _, ticket, _, _ in together if fields[ticket.pk]],
            actor=ROUTING,
            reasons={ticket.pk: _reason(decision) for _, ticket, _, decision in together},
        )
        for change, ticket, outcome, decision in together:
            if ticket.pk in refused:
                # As route_ticket does when update_ticket refuses: each change alone, the refusals recorded.
                ticket = held[ticket.pk] = _write_one_by_one(ticket, outcome, _reason(decision))
                decision.assign = _assign(ticket, outcome, trigger=CREATED, moved=_moved(outcome, change.events))
                decision.save(update_fields=["applied", "skipped", "assign"])
            elif "add_tags" in outcome.changes:
                tags = {"add_tags": outcome.changes["add_tags"]}
                ticket = held[ticket.pk] = _write_group(ticket, outcome, tags, _reason(decision))
                if "add_tags" not in outcome.changes:  # refused: recorded as a skip
                    decision.save(update_fields=["applied", "skipped"])
            held[ticket.pk] = _write_rest(ticket, outcome, replay=False)
        # After every rule's writes (the skills a strategy reads), assignment picks for the batch at once.
        strategy = [held[ticket.pk] for _, ticket, _, decision in together if decision.assign == "strategy"]
        with assigning_together(strategy):
            for change, ticket, _, decision in together:
                rules_applied.send(sender=RoutingDecision, ticket=held[ticket.pk], entry_id=change.entry_id,
                                   assign=decision.assign, decision=decision)  # fmt: skip
    for change in apart:
        route_ticket(ticket_id=change.ticket_id, trigger=CREATED, entry_id=change.entry_id,
                     change_events=change.events)  # fmt: skip


def _assign(ticket: Ticket, outcome: Outcome, *, trigger: str, moved: bool) -> str:
    if ticket.assignee_id is not None or not ticket.is_open or "assignee" in outcome.changes:
        return "none"
    if trigger in (CREATED, RERUN) or outcome.wants_strategy or moved:
        return "strategy"
    return "none"


def _write(ticket: Ticket, outcome: Outcome, decision: RoutingDecision, *, replay: bool) -> Ticket:
    from tickets.services.updates import update_ticket

    reason = _reason(decision)
    if outcome.changes:
        try:
            with transaction.atomic():
                ticket = update_ticket(ticket=ticket, changes=outcome.changes, actor=ROUTING, reason=reason)
        except ServiceError:
            # One refused change must not cost the others: apply them one by one and record the refusals.
            ticket = _write_one_by_one(ticket, outcome, reason)
    _write_rest(ticket, outcome, replay=replay)
    # The queue too: the strategy reads it next.
    return Ticket.objects.select_related("tenant", "queue").get(pk=ticket.pk)


def _without(changes: dict, name: str) -> dict:
    return {key: value for key, value in changes.items() if key != name}


def _reason(decision: RoutingDecision) -> str:
    return f"routing decision #{decision.pk}"


def _write_rest(ticket: Ticket, outcome: Outcome, *, replay: bool) -> Ticket:
    """What the rules do beside the ticket's fields: skills, notes, notifications."""
    from tickets.services.conversation import add_note
    from tickets.services.notifications import notify

    for skill_id, _rule in outcome.skills:
        TicketSkillRequirement.objects.get_or_create(ticket=ticket, skill_id=skill_id)
    for text, _rule in outcome.notes:
        add_note(ticket=ticket, actor=ROUTING, body=text)
    if outcome.notify and not replay and not clock.is_replaying():
        notify(kind=NOTIFICATION_KIND, ticket=ticket, recipients=[m for m, _ in outcome.notify], actor=ROUTING)
    return ticket


FIELD_ACTIONS = {
    "queue": "set_queue",
    "priority": "set_priority",
    "category": "set_category",
    "subcategory": "set_category",
    "escalation_level": "set_escalation",
    "assignee": "assign_agent",
    "add_tags": "add_tags",
}


def _write_one_by_one(ticket: Ticket, outcome: Outcome, reason: str) -> Ticket:
    groups: list[dict] = []
    for name, value in outcome.changes.items():
        if name == "subcategory":
            continue
        group = {name: value}
        if name == "category" and "subcategory" in outcome.changes:
            group["subcategory"] = outcome.changes["subcategory"]
        groups.append(group)
    for group in groups:
        ticket = _write_group(ticket, outcome, group, reason)
    return ticket


def _write_group(ticket: Ticket, outcome: Outcome, group: dict, reason: str) -> Ticket:
    """Apply one group of the changes alone; a refusal turns its actions into skips that say why."""
    from tickets.services.updates import update_ticket

    try:
        # update_ticket checks before it writes and writes in a savepoint of its own: a refusal leaves nothing.
        return update_ticket(ticket=ticket, changes=group, actor=ROUTING, reason=reason)
    except ServiceError as refused:
        action = FIELD_ACTIONS[next(iter(group))]
        for entry in [a for a in outcome.applied if a["action"] == action]:
            outcome.applied.remove(entry)
            _skip(outcome, action, entry["value"], entry["rule"], "refused", str(refused))
        outcome.changes = {k: v for k, v in outcome.changes.items() if k not in group}
        return ticket


def rerun(*, tickets: list[Ticket], requested_by: Membership) -> list[RoutingDecision]:
    """Run the rules in force again on these tickets (all rules, as for a new ticket)."""
    ruleset = rules_in_force()
    decisions = []
    for ticket in tickets:
        decision = route_ticket(ticket_id=ticket.pk, trigger=RERUN, requested_by=requested_by, ruleset=ruleset)
        if decision is not None:
            decisions.append(decision)
    return decisions
