"""Who acted, and the audit trail, whose events are the change feed that routing, SLA and webhooks read."""

from __future__ import annotations

from tenancy.actors import Automation, acting_member, require_role, require_staff
from tenancy.errors import ServiceError
from tenancy.models import Membership
from tickets import clock
from tickets.event_kinds import get_kind
from tickets.feed.recording import event_recorded
from tickets.models import Contact, Ticket, TicketEvent

# The actor types and role checks live in tenancy (its services check them too); tickets adds the customer.
__all__ = ["Actor", "Automation", "ServiceError", "acting_member", "record_event", "require_role", "require_staff"]

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


def record_event(
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
    """Append one audit event. Values are ids and codes (never names or text), so erasure never touches them.

    The event joins its transaction's change-feed entry for the ticket (tickets.feed.recording): that is how
    routing, SLA and webhooks hear of every change, with no call of their own in the services."""
    get_kind(kind)  # an undeclared kind is a programming error: refuse it before anything is written
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old)[:100],
        new_value="" if new is None else str(new)[:100],
        reason=reason[:255],
        created_at=at or clock.now(),
        **actor_fields(actor),
    )
    event_recorded(event)
    return event
