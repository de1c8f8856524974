"""The escalation ladder, interpreted: which steps of a target are due, and what one step does to its ticket.

A ladder is declared data (sla.LadderStep rows per policy and target kind); this module is its one interpreter.
A step's moment is the target's warning (warn-at), its breach (due) or the breach plus N hours: always the true
moment, so a sweep that catches up after an outage runs each missed step once, in order. Ticket changes go through
tickets.services.update_ticket as the named automation SLA; a step only ever raises (priority, tier), so it never
undoes a person's choice and a second run would change nothing. The recompute that a raised priority causes goes
through the engine like any change; it fires no step again, because a step runs once per run of a target
(LadderRun's unique constraint) whatever the deadlines become.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.models import LadderStep, SlaTarget
from tenancy.actors import Automation
from tenancy.errors import ServiceError
from tickets.models import Priority, Ticket
from tickets.selectors.structure import escalation_label, list_tiers
from tickets.services.updates import update_ticket

SLA = Automation("SLA")


@dataclass(frozen=True)
class Due:
    step: LadderStep
    at: datetime


def load_ladders() -> dict[tuple[int, str], list[LadderStep]]:
    """Every step of the tenant, by (policy, target kind), with the objects a step changes to (one query)."""
    ladders: dict[tuple[int, str], list[LadderStep]] = defaultdict(list)
    for step in LadderStep.objects.select_related("move_to_queue", "reassign_to__user").order_by(
        "policy_id", "target_kind", "-trigger", "after_hours", "id"
    ):
        ladders[(step.policy_id, step.target_kind)].append(step)
    return dict(ladders)


def step_moment(step: LadderStep, target: SlaTarget) -> datetime | None:
    """When the step is due for this target: the warning (the breach when the policy sets no warning), the breach,
    or the breach plus its hours; None while the moment is unknown (not breached yet)."""
    breached = target.breached_at
    if step.trigger == LadderStep.Trigger.WARNING:
        return target.warn_at or breached
    if breached is None:
        return None
    return breached + timedelta(hours=step.after_hours)


def due_steps(steps: list[LadderStep], target: SlaTarget, *, now: datetime, ran: set[int]) -> list[Due]:
    """The steps whose moment has passed and that have not run for this run of the target, in order of moment."""
    due = []
    for step in steps:
        moment = step_moment(step, target)
        if moment is not None and moment <= now and step.pk not in ran:
            due.append(Due(step, moment))
    return sorted(due, key=lambda item: (item.at, item.step.pk))


def next_step_moment(steps: list[LadderStep], target: SlaTarget, *, now: datetime, ran: set[int]) -> datetime | None:
    """The earliest moment of a step still ahead (after the breach): when the sweep looks at the target again."""
    ahead = [
        moment
        for step in steps
        if step.pk not in ran and (moment := step_moment(step, target)) is not None and moment > now
    ]
    return min(ahead, default=None)


def apply_step(step: LadderStep, ticket: Ticket, *, reason: str) -> tuple[Ticket, list[str]]:
    """Make the step's changes to the ticket through update_ticket (one call, all or nothing); return the ticket
    and what was done in words. A refused change (a tier removed since, a closed ticket) is reported, not raised."""
    changes: dict = {}
    done: list[str] = []
    if not ticket.is_open:
        return ticket, ["nothing changed: the ticket is no longer open"] if _changes_anything(step) else []
    if step.raise_priority_to and ticket.priority < step.raise_priority_to:
        changes["priority"] = step.raise_priority_to
        done.append(f"priority raised to {Priority(step.raise_priority_to).label}")
    if step.move_to_queue_id and ticket.queue_id != step.move_to_queue_id:
        changes["queue"] = step.move_to_queue
        done.append(f"moved to {step.move_to_queue.name}")
    if step.reassign_to_id and ticket.assignee_id != step.reassign_to_id:
        member = step.reassign_to
        if member.is_active and member.is_staff_member:
            changes["assignee"] = member
            done.append(f"reassigned to {member.display_name}")
        else:
            done.append(f"not reassigned: {member.display_name} is no longer an active agent")
    if step.raise_tier_to and ticket.escalation_level < step.raise_tier_to:
        tiers = list_tiers()
        if step.raise_tier_to <= len(tiers):
            changes["escalation_level"] = step.raise_tier_to
            done.append(f"escalated to {escalation_label(step.raise_tier_to, tiers)}")
        else:
            done.append(f"not escalated: the tenant has no tier {step.raise_tier_to} any more")
    if changes:
        try:
            ticket = update_ticket(ticket=ticket, changes=changes, actor=SLA, reason=reason)
        except ServiceError as refused:
            return ticket, [f"changes refused: {refused}"]
    return ticket, done


def _changes_anything(step: LadderStep) -> bool:
    return bool(step.raise_priority_to or step.move_to_queue_id or step.reassign_to_id or step.raise_tier_to)
