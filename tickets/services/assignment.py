"""Who owns a ticket. Claim is race-safe: of two agents claiming at once exactly one wins."""

from __future__ import annotations

from django.db import transaction

from tenancy.models import Membership, ensure_same_tenant
from tickets import clock
from tickets.models import Ticket
from tickets.selectors import visible_tickets
from tickets.services.common import locked, save
from tickets.services.events import Actor, Automation, ServiceError, record_event, require_desk_actor, require_staff
from tickets.services.notifications import notify_assigned


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
    if not assignee.is_staff_member:
        raise ServiceError(f"{assignee.display_name} is not an agent here.")
    with locked(ticket) as ticket:
        ensure_same_tenant(ticket, assignee)
        ticket.warnings = []
        if not ticket.is_open:
            raise ServiceError("Only open tickets can be assigned.")
        old = ticket.assignee_id
        if old == assignee.pk:
            return ticket
        if not visible_tickets(assignee).filter(pk=ticket.pk).exists():
            raise ServiceError(
                f"{assignee.display_name} cannot see tickets in {ticket.queue.name}: add them to the queue's team "
                "or choose someone else."
            )
        if not isinstance(actor, Automation):
            warning = capacity_warning(assignee, open_load(assignee))
            if warning:
                ticket.warnings.append(warning)
        ticket.assignee = assignee
        save(ticket, "assignee")
        record_event(ticket, actor=actor, kind="assigned", field="assignee", old=old, new=assignee.pk, reason=reason)
        notify_assigned(ticket=ticket, assignee=assignee, actor=actor)
    return ticket


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
