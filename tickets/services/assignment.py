"""Who owns a ticket. Claim is race-safe: of two agents claiming at once exactly one wins."""

from __future__ import annotations

from django.db import transaction

from tenancy.models import Membership, ensure_same_tenant
from tickets import clock
from tickets.models import Queue, TeamMembership, Ticket
from tickets.selectors import sees_every_queue, visible_tickets
from tickets.services.common import Edit, held_instance, locked, save, write_edit
from tickets.services.events import (
    Actor,
    Automation,
    ServiceError,
    new_event,
    record_event,
    record_events,
    require_desk_actor,
    require_staff,
)
from tickets.services.notifications import Kind, notify_assigned, notify_each


class AlreadyClaimed(ServiceError):
    def __init__(self, owner: Membership | None):
        self.owner = owner
        name = owner.display_name if owner else "someone else"
        super().__init__(f"{name} already owns this ticket.")


def claim(*, ticket: Ticket, actor: Membership) -> Ticket:
    """Take an unassigned ticket. The conditional UPDATE decides the race; the loser learns who won."""
    require_staff(actor)
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True, is_open=True).update(
            assignee=actor, updated_at=clock.now()
        )
        ticket = Ticket.objects.select_related("assignee__user", "tenant").get(pk=ticket.pk)
        if not won:
            if not ticket.is_open:
                raise ServiceError("This ticket is no longer open.")
            raise AlreadyClaimed(owner=ticket.assignee)
        record_event(ticket, actor=actor, kind="assigned", field="assignee", new=actor.pk, reason="claimed")
    return ticket


def open_load(assignee: Membership) -> int:
    """The open tickets (new, open, pending, on hold) a member owns, in every queue: what capacity counts."""
    return Ticket.objects.open().assigned_to(assignee.pk).count()


def capacity_warning(assignee: Membership, load: int) -> str:
    """The warning a person assigning by hand gets when the assignee is already at or over their capacity."""
    if load < assignee.capacity:
        return ""
    return f"{assignee.display_name} is at {load} of {assignee.capacity} open tickets."


def assign(*, ticket: Ticket, assignee: Membership, actor: Actor, reason: str = "") -> Ticket:
    """Give the ticket to `assignee`, who must be an agent able to open it (a ticket of a queue outside their
    teams, where agents see only their teams' queues, is refused naming them).

    A person assigning someone already at capacity is not refused (they may know better) but warned: the
    returned ticket's `warnings` lists "Ana is at 10 of 10 open tickets". Automations check capacity themselves
    (routing.assignment) and get no warning."""
    require_desk_actor(actor)
    _check_assignee(assignee)
    with locked(ticket) as ticket:
        ticket.warnings = []
        if not _needs_assigning(ticket, assignee):
            return ticket
        if not visible_tickets(assignee).filter(pk=ticket.pk).exists():
            raise _cannot_see(assignee, ticket)
        if not isinstance(actor, Automation):
            warning = capacity_warning(assignee, open_load(assignee))
            if warning:
                ticket.warnings.append(warning)
        write_edit(ticket, _assignee_edit(ticket, assignee, actor=actor, reason=reason))
        notify_assigned(ticket=ticket, assignee=assignee, actor=actor)
    return ticket


def assign_tickets(*, assignments: list[tuple[Ticket, Membership]], actor: Automation, reasons: dict[int, str]) -> None:
    """`assign` for many tickets an automation holds locked (`holding`; a batch of routing's picks): the same
    checks, values, events and notifications, in a fixed number of statements (the visibility checks in two
    queries, or none when the assignees see every queue; one UPDATE, one INSERT of events, the notifications
    together). A refusal raises before anything is written."""
    from tickets.services.updates import save_together

    if not isinstance(actor, Automation):
        raise ServiceError("Only automations assign tickets together; a person assigns through assign.")
    todo = []
    for ticket, assignee in assignments:
        if not held_instance(ticket):
            raise ValueError(f"assign_tickets assigns held tickets only, not #{ticket.pk}")
        _check_assignee(assignee)
        if _needs_assigning(ticket, assignee):
            todo.append((ticket, assignee))
    refused = _not_seen(todo)
    if refused is not None:
        raise _cannot_see(*refused)
    edits = [
        (ticket, _assignee_edit(ticket, assignee, actor=actor, reason=reasons.get(ticket.pk, "")))
        for ticket, assignee in todo
    ]
    now = clock.now()
    for ticket, _edit in edits:
        ticket.updated_at = now
    save_together([(ticket, set(edit.fields)) for ticket, edit in edits])
    record_events([event for _, edit in edits for event in edit.events])
    notify_each(kind=Kind.ASSIGNED, recipients=todo, actor=actor)


def _not_seen(assignments: list[tuple[Ticket, Membership]]) -> tuple[Membership, Ticket] | None:
    """The first (assignee, ticket) of `assignments` where the assignee cannot see the ticket, by
    tickets.selectors.visible_tickets' rule, for any number of assignees in two queries (none when every assignee
    sees every queue): an agent limited to their teams' queues sees a ticket whose queue belongs to one of them."""
    limited = [(ticket, assignee) for ticket, assignee in assignments if not sees_every_queue(assignee)]
    if not limited:
        return None
    teams = set(
        TeamMembership.objects.filter(membership_id__in={assignee.pk for _, assignee in limited}).values_list(
            "membership_id", "team_id"
        )
    )
    # The team of each ticket's queue as the held instance has it (its queue may have moved in this transaction,
    # and a batch's row may not be written yet: tickets.services.later), as the database has the queue now.
    team_of = dict(Queue.objects.filter(pk__in={ticket.queue_id for ticket, _ in limited}).values_list("pk", "team_id"))
    for ticket, assignee in limited:
        if (assignee.pk, team_of.get(ticket.queue_id)) not in teams:
            return assignee, ticket
    return None


def _check_assignee(assignee: Membership) -> None:
    if not assignee.is_staff_member:
        raise ServiceError(f"{assignee.display_name} is not an agent here.")


def _needs_assigning(ticket: Ticket, assignee: Membership) -> bool:
    """False when the ticket is the assignee's already; refuses a closed ticket or another tenant's member."""
    ensure_same_tenant(ticket, assignee)
    if not ticket.is_open:
        raise ServiceError("Only open tickets can be assigned.")
    return ticket.assignee_id != assignee.pk


def _cannot_see(assignee: Membership, ticket: Ticket) -> ServiceError:
    return ServiceError(
        f"{assignee.display_name} cannot see tickets in {ticket.queue.name}: add them to the queue's team "
        "or choose someone else."
    )


def _assignee_edit(ticket: Ticket, assignee: Membership, *, actor: Actor, reason: str) -> Edit:
    old = ticket.assignee_id
    ticket.assignee = assignee
    return Edit(
        ("assignee",),
        [new_event(ticket, actor=actor, kind="assigned", field="assignee", old=old, new=assignee.pk, reason=reason)],
    )


def unassign(*, ticket: Ticket, actor: Actor, reason: str = "") -> Ticket:
    require_desk_actor(actor)
    with locked(ticket) as ticket:
        old = ticket.assignee_id
        if old is None:
            return ticket
        ticket.assignee = None
        save(ticket, "assignee")
        record_event(ticket, actor=actor, kind="unassigned", field="assignee", old=old, reason=reason)
    return ticket
