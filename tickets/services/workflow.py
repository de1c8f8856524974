"""Status, priority, category, queue and escalation: each change validated, saved and audited together."""

from __future__ import annotations

from tenancy.models import ensure_same_tenant
from tickets import clock, selectors
from tickets.lifecycle import Status, TransitionError, check_transition
from tickets.models import Category, Contact, Priority, Queue, Ticket
from tickets.selectors.structure import check_escalation_level, escalation_label, list_tiers
from tickets.services import customer_mail
from tickets.services.common import Edit, locked, save, set_status, write_edit
from tickets.services.events import (
    Actor,
    ServiceError,
    acting_member,
    new_event,
    record_event,
    require_desk_actor,
)
from tickets.services.field_values import blocks_automation, check_resolvable
from tickets.services.notifications import notify_reopened


def change_status(*, ticket: Ticket, status: str, actor: Actor, reason: str = "") -> Ticket:
    """Move the ticket through the lifecycle (tickets.lifecycle.TRANSITIONS); refused moves say why. Resolving
    needs the fields required at resolution (tickets.services.field_values.check_resolvable)."""
    with locked(ticket) as ticket:
        if ticket.merged_into_id:
            raise TransitionError("This ticket was merged into another; work on that one instead.")
        old = ticket.status
        check_transition(old, status)
        if blocks_automation(ticket, status, actor):
            return ticket  # recorded on the ticket why it stays open; the automation's run goes on
        check_resolvable(ticket, status)
        fields = set_status(ticket, status, clock.now())
        save(ticket, *fields)
        kind = "reopened" if old in (Status.RESOLVED, Status.PENDING) and status == Status.OPEN else "status_changed"
        record_event(ticket, actor=actor, kind=kind, field="status", old=old, new=status, reason=reason)
        if kind == "reopened":
            notify_reopened(ticket=ticket, actor=actor)
        if not isinstance(actor, Contact):  # customers are not told of their own change
            customer_mail.send_status_mail(ticket=ticket, status=status)
    return ticket


def change_priority(*, ticket: Ticket, priority: int, actor: Actor, reason: str = "") -> Ticket:
    require_desk_actor(actor)
    check_priority(priority)
    with locked(ticket) as ticket:
        write_edit(ticket, priority_edit(ticket, priority=priority, actor=actor, reason=reason))
    return ticket


def check_priority(priority: int) -> None:
    if priority not in Priority.values:
        raise ServiceError(f"Unknown priority “{priority}”.")


def priority_edit(ticket: Ticket, *, priority: int, actor: Actor, reason: str = "") -> Edit | None:
    """Set the priority on the locked instance; the columns and event to write (None: already so)."""
    old = ticket.priority
    if old == priority:
        return None
    ticket.priority = priority
    return Edit(
        ("priority",),
        [
            new_event(
                ticket, actor=actor, kind="priority_changed", field="priority", old=old, new=priority, reason=reason
            )
        ],
    )


def categorise(
    *, ticket: Ticket, category: Category | None, subcategory: Category | None = None, actor: Actor, reason: str = ""
) -> Ticket:
    require_desk_actor(actor)
    check_category(category, subcategory)
    with locked(ticket) as ticket:
        write_edit(
            ticket, category_edit(ticket, category=category, subcategory=subcategory, actor=actor, reason=reason)
        )
    return ticket


def check_category(category: Category | None, subcategory: Category | None) -> None:
    if category is not None and category.parent_id is not None:
        raise ServiceError("Choose a top-level category; its subcategories go in the second field.")
    if subcategory is not None and (category is None or subcategory.parent_id != category.pk):
        raise ServiceError("The subcategory does not belong to the chosen category.")


def category_edit(
    ticket: Ticket, *, category: Category | None, subcategory: Category | None, actor: Actor, reason: str = ""
) -> Edit | None:
    ensure_same_tenant(ticket, category, subcategory)
    old = (ticket.category_id, ticket.subcategory_id)
    new = (getattr(category, "pk", None), getattr(subcategory, "pk", None))
    if old == new:
        return None
    ticket.category, ticket.subcategory = category, subcategory
    events = [
        new_event(ticket, actor=actor, kind="categorised", field=name, old=old[index], new=new[index], reason=reason)
        for index, name in enumerate(("category", "subcategory"))
        if old[index] != new[index]
    ]
    return Edit(("category", "subcategory"), events)


def move_to_queue(*, ticket: Ticket, queue: Queue, actor: Actor, reason: str = "") -> Ticket:
    """Move the ticket to another queue; its team follows the queue's team. A member (or an API key acting for
    one) moves tickets only into the queues they may see (tickets.selectors.visible_queues): with agents limited
    to their teams, not into another team's queue. Routing and other automations are not limited."""
    require_desk_actor(actor)
    with locked(ticket) as ticket:
        write_edit(ticket, queue_edit(ticket, queue=queue, actor=actor, reason=reason))
    return ticket


def queue_edit(ticket: Ticket, *, queue: Queue, actor: Actor, reason: str = "") -> Edit | None:
    ensure_same_tenant(ticket, queue)
    if ticket.queue_id == queue.pk:
        return None
    member = acting_member(actor)
    if member is not None and not selectors.visible_queues(member).filter(pk=queue.pk).exists():
        raise ServiceError("You can move tickets only into the queues of your own teams.")
    old_queue, old_team = ticket.queue_id, ticket.team_id
    ticket.queue, ticket.team_id = queue, queue.team_id
    events = [
        new_event(ticket, actor=actor, kind="queue_changed", field="queue", old=old_queue, new=queue.pk, reason=reason)
    ]
    if old_team != queue.team_id:
        events.append(
            new_event(ticket, actor=actor, kind="team_changed", field="team", old=old_team, new=queue.team_id)
        )
    return Edit(("queue", "team"), events)


def escalate(*, ticket: Ticket, level: int, actor: Actor, reason: str = "") -> Ticket:
    """Set the escalation level: 0 is not escalated, 1..N the tenant's escalation tiers; a level, not a status."""
    require_desk_actor(actor)
    tiers = list_tiers()
    check_escalation_level(level, tiers)
    with locked(ticket) as ticket:
        if not ticket.is_open:
            raise ServiceError("Only open tickets can be escalated.")
        edit = escalation_edit(ticket, level=level, actor=actor, reason=reason)
        if edit is None:
            raise ServiceError(f"The ticket is already at “{escalation_label(level, tiers)}”.")
        write_edit(ticket, edit)
    return ticket


def escalation_edit(ticket: Ticket, *, level: int, actor: Actor, reason: str = "") -> Edit | None:
    old = ticket.escalation_level
    if old == level:
        return None
    if not ticket.is_open:
        raise ServiceError("Only open tickets can be escalated.")
    ticket.escalation_level = level
    kind = "escalated" if level > old else "de_escalated"
    return Edit(
        ("escalation_level",),
        [new_event(ticket, actor=actor, kind=kind, field="escalation_level", old=old, new=level, reason=reason)],
    )
