"""Who acted, and the audit trail, whose events are the change feed that routing, SLA and webhooks read."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenancy.models import Membership
from tickets import clock
from tickets.errors import TicketError
from tickets.event_kinds import get_kind
from tickets.feed.recording import event_recorded
from tickets.models import Contact, Ticket, TicketEvent


@dataclass(frozen=True)
class Automation:
    """A named automated actor, recorded by name: "routing rule #12", "SLA sweep", "email intake".

    `acting_for` is the member an automation acts on behalf of (an API key's creator, capped at the key's role):
    the services hold it to that member's limits, such as the queues they may see. Routing and SLA have none."""

    name: str
    acting_for: Membership | None = field(default=None, compare=False, repr=False)


def acting_member(actor: Actor) -> Membership | None:
    """The member whose limits apply to a change: the acting member, or the member an automation acts for."""
    if isinstance(actor, Membership):
        return actor
    if isinstance(actor, Automation):
        return actor.acting_for
    return None


Actor = Membership | Contact | Automation


class ServiceError(TicketError):
    """A refused change; the message is meant for the person who tried it."""


def actor_fields(actor: Actor, prefix: str = "actor") -> dict:
    if isinstance(actor, Membership):
        return {f"{prefix}_membership": actor}
    if isinstance(actor, Contact):
        return {f"{prefix}_contact": actor}
    if isinstance(actor, Automation) and actor.name:
        return {f"{prefix}_automation": actor.name}
    raise TypeError(f"An actor is a Membership, a Contact or an Automation, not {actor!r}")


def require_role(actor: Actor, minimum: str, refusal: str) -> Membership:
    """The acting member, if they hold at least `minimum`; else a ServiceError saying `refusal`."""
    if not isinstance(actor, Membership) or not actor.has_role(minimum):
        raise ServiceError(refusal)
    return actor


def require_staff(actor: Actor) -> Membership:
    if not isinstance(actor, Membership) or not actor.is_staff_member:
        raise ServiceError("Only agents can do this.")
    return actor


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
