"""A routing run: apply what the rule engine (routing.engine) decided for a ticket through tickets.services, as the
"routing" automation, and record the decision: `route_ticket` for one ticket, `route_together` for a drain batch's
new tickets, `rerun` for the tickets an admin picks. Routing's own changes carry the actor "routing", so the feed
never hands them back (no loops).
"""

from __future__ import annotations

from contextlib import ExitStack

from django.db import transaction

from routing import batch
from routing.assignment.services import assigning_together
from routing.compiler import CompiledRuleSet, compiled_version
from routing.conditions import Context
from routing.engine import (
    CREATED,
    RERUN,
    UPDATED,
    Outcome,
    check,
    current_version,
    evaluate,
    queue_kept,
    rules_in_force,
    skip,
)
from routing.facts import facts_for
from routing.models import RoutingDecision, TicketSkillRequirement
from routing.names import Names
from routing.signals import rules_applied
from tenancy.actors import Automation
from tenancy.errors import ServiceError
from tenancy.models import Membership
from tickets import clock
from tickets.feed.registry import Change
from tickets.models import Ticket

ROUTING = Automation("routing")
NOTIFICATION_KIND = "routed"


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
        matched=[matched_entry(m) for m in matches],
        replay=replay,
        requested_by=requested_by,
        created_at=clock.now(),
    )


def matched_entry(match) -> dict:
    """A matched rule as the decision keeps it: its id, and for an "any" rule of which only some conditions held,
    their positions. The rule's name and conditions are in the decision's version (routing.selectors names them),
    not copied into every decision: that copy was two thirds of a decision's size."""
    entry = {"rule": match.rule.id}
    if len(match.held) < len(match.rule.conditions):
        held = {id(condition) for condition in match.held}
        entry["held"] = [i for i, (condition, _) in enumerate(match.rule.conditions) if id(condition) in held]
    return entry


def _moved(outcome: Outcome, change_events) -> bool:
    return "queue" in outcome.changes or any(event.kind == "queue_changed" for event in change_events)


def route_together(changes: list[Change], reads: batch.BatchReads) -> None:
    """`route_ticket` for a drain batch's new tickets (routing.batch defers them to the batch's end), with the
    same decisions, audit events, feed entries and hand-offs to assignment, in a fixed number of statements for
    the rules' part: the tickets locked in one statement (id order), the decisions inserted in one, their field
    changes written by tickets.services.update_tickets (one UPDATE, one INSERT of events).

    Added tags follow the tickets' other fields (tickets.services.updates.tag_tickets: one INSERT of ticket tags
    and one of events, as update_ticket orders them), and the queues' strategies pick for the whole batch at once
    (routing.assignment.services.assigning_together). The tickets' rows and events of all three are written once,
    at the end (tickets.services.later.writing_later). A ticket whose facts are stale (it changed since the batch
    read them), or whose plan names an assignee or adds tags and escalates, takes route_ticket's way; one whose
    changes are refused takes route_ticket's one-by-one way. Runs inside the batch's transaction: a failure rolls
    all back, and the feed redoes the batch one change at a time (route_ticket)."""
    from tickets.services.common import holding, lock_tickets
    from tickets.services.later import write_now, writing_later
    from tickets.services.updates import TOGETHER, tag_tickets, update_tickets

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
    # The tickets' rows and events are written once, at the block's end (tickets.services.later): the fields, the
    # tags' updated_at and the assignee were three non-HOT UPDATEs of each new ticket's row.
    with holding(*(ticket for _, ticket, _, _ in together)) as held, writing_later():
        RoutingDecision.objects.bulk_create([decision for *_, decision in together])
        fields = {ticket.pk: _without(outcome.changes, "add_tags") for _, ticket, outcome, _ in together}
        refused = update_tickets(
            changes=[(ticket, fields[ticket.pk]) for _, ticket, _, _ in together if fields[ticket.pk]],
            actor=ROUTING,
            reasons={ticket.pk: _reason(decision) for _, ticket, _, decision in together},
        )
        tagging = [(ticket, outcome.changes["add_tags"]) for _, ticket, outcome, _ in together
                   if "add_tags" in outcome.changes and ticket.pk not in refused]  # fmt: skip
        untagged = tag_tickets(
            tags=tagging, actor=ROUTING, reasons={ticket.pk: _reason(decision) for _, ticket, _, decision in together}
        )
        if refused or untagged or any(outcome.notes for _, _, outcome, _ in together):
            write_now()  # a refusal's one-by-one writes and a note write their rows and events their own way
        for change, ticket, outcome, decision in together:
            if ticket.pk in refused:
                # As route_ticket does when update_ticket refuses: each change alone, the refusals recorded.
                ticket = held[ticket.pk] = _write_one_by_one(ticket, outcome, _reason(decision))
                decision.assign = _assign(ticket, outcome, trigger=CREATED, moved=_moved(outcome, change.events))
                decision.save(update_fields=["applied", "skipped", "assign"])
            elif ticket.pk in untagged:
                # update_ticket refuses them as tag_tickets did: recorded as a skip.
                tags = {"add_tags": outcome.changes["add_tags"]}
                ticket = held[ticket.pk] = _write_group(ticket, outcome, tags, _reason(decision))
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
            skip(outcome, action, entry["value"], entry["rule"], "refused", str(refused))
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
