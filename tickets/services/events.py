"""Who acted, and the audit trail, whose events are the change feed that routing, SLA and webhooks read."""

from __future__ import annotations

from tenancy.actors import Automation, acting_member, require_role, require_staff
from tenancy.context import current_scope
from tenancy.errors import ServiceError
from tenancy.models import CrossTenantError, Membership
from tickets import clock
from tickets.event_kinds import get_kind
from tickets.feed.recording import event_recorded, events_recorded
from tickets.models import Contact, Ticket, TicketEvent
from tickets.services.later import keeping, write_now

# The actor types and role checks live in tenancy (its services check them too); tickets adds the customer.
__all__ = [
    "Actor",
    "Automation",
    "ServiceError",
    "acting_member",
    "new_event",
    "record_event",
    "record_events",
    "require_role",
    "require_staff",
]

Actor = Membership | Contact | Automation


def actor_fields(actor: Actor, prefix: str = "actor") -> dict:
    if isinstance(actor, Membership):
        return {f"{prefix}_membership": actor}
    if isinstance(actor, Contact):
        return {f"{prefix}_contact": actor}
    if isinstance(actor, Automation) and actor.name:
        return {f"{prefix}_automation": actor.name}
    raise TypeError(f"An actor is a Membership, a Contact or an Automation, not {actor!r}")


def require_desk_actor(actor: Actor) -> None:
    """Agent-side changes: an agent, or an automation acting on the desk's behalf; never a customer."""
    if not isinstance(actor, Automation):
        require_staff(actor)


def record_event(ticket: Ticket, **fields) -> TicketEvent:
    """Append one audit event (`fields` as for `new_event`). Values are ids and codes (never names or text), so
    erasure never touches them.

    The event joins its transaction's change-feed entry for the ticket (tickets.feed.recording): that is how
    routing, SLA and webhooks hear of every change, with no call of their own in the services."""
    return append_event(new_event(ticket, **fields))


def append_event(event: TicketEvent) -> TicketEvent:
    """Write one event made by `new_event` (what `record_event` does with it)."""
    write_now()  # after whatever a batch kept: the trail stays in order
    event.save(force_insert=True)
    event_recorded(event)
    return event


def new_event(
    ticket: Ticket,
    *,
    actor: Actor,
    kind: str,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str = "",
    at=None,
) -> TicketEvent:
    """The audit event `record_event` appends, not yet written (for `record_events`, which writes many at once)."""
    get_kind(kind)  # an undeclared kind is a programming error: refuse it before anything is written
    return TicketEvent(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old)[:100],
        new_value="" if new is None else str(new)[:100],
        reason=reason[:255],
        created_at=at or clock.now(),
        **actor_fields(actor),
    )


def record_events(events: list[TicketEvent]) -> None:
    """Append audit events made by `new_event`, in order, in one statement; each joins its transaction's
    change-feed entry for its ticket exactly as `record_event`'s do."""
    if not events:
        return
    scope = current_scope()
    # bulk_create skips TenantModel.save's guard: the same refusal here.
    if any(isinstance(scope, int) and event.tenant_id != scope for event in events):
        raise CrossTenantError(f"An event belongs to another tenant than {scope}.")
    kept = keeping()
    if kept is not None:
        kept.events += events  # written with the batch's other steps, in this order (tickets.services.later)
        return
    TicketEvent.objects.bulk_create(events)
    events_recorded(events)
