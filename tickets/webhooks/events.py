"""The webhook events, declared in one place, their ids and their payloads. Which audit event kinds set off
which webhook events is declared with the kinds (tickets.event_kinds).

Other apps add theirs with `register_event()` in their AppConfig.ready() (the SLA work: "sla.breached", ...);
admins choose from everything registered. Payloads carry ids and codes, never message bodies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse

from tickets.models import Ticket, TicketEvent

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_RESOLVED = "ticket.resolved"
# Sent by "Send test event"; never subscribed to, always allowed.
PING = "ping"

EVENTS: dict[str, str] = {}


def register_event(name: str, label: str) -> None:
    """Offer one more event to admins (idempotent: apps may be readied twice in tests)."""
    if len(name) > 40:
        raise ValueError(f"Webhook event names fit in 40 characters: {name!r}")
    EVENTS[name] = label


register_event(TICKET_CREATED, "A ticket was created")
register_event(TICKET_UPDATED, "A ticket changed (reply, note, assignment, priority, queue, tags…)")
register_event(TICKET_STATUS_CHANGED, "A ticket's status changed")
register_event(TICKET_RESOLVED, "A ticket was resolved")


def event_choices() -> list[tuple[str, str]]:
    return list(EVENTS.items())


_EVENT_NAMESPACE = uuid.UUID("6f1c3c0e-8f0e-4d0b-9a53-7e0e2d6b1a11")


def change_event_id(*, tenant_id: int, entry_id: int, event: str, event_ids: Iterable[int]) -> uuid.UUID:
    """The id of one webhook event set off by one change-feed entry: named by the entry and the audit events
    that set it off, so an entry handed out again (or a delivery sent again) carries the same id."""
    ids = ",".join(str(event_id) for event_id in event_ids)
    return uuid.uuid5(_EVENT_NAMESPACE, f"{tenant_id}:feed:{entry_id}:{event}:{ids}")


def keyed_event_id(*, tenant_id: int, ticket_id: int, event: str, key: str) -> uuid.UUID:
    """The id of an event another app sends on its own (e.g. an SLA breach): named by the caller's stable key."""
    return uuid.uuid5(_EVENT_NAMESPACE, f"{tenant_id}:{ticket_id}:{event}:{key}")


def change_payload(
    ticket: Ticket, *, event: str, event_id: uuid.UUID, occurred_at: datetime, changes: Iterable[TicketEvent]
) -> dict:
    """What receivers get: the ticket's identity and the change itself, each audit event with its kind, field,
    old and new values (ids and codes), actor and time: not the ticket's state when the delivery is sent.
    No names and no message text."""
    path = reverse("desk:ticket", urlconf="config.urls", kwargs={"number": ticket.number})
    return {
        "event": event,
        "event_id": str(event_id),
        "occurred_at": _iso(occurred_at),
        "tenant": ticket.tenant.slug,
        "changes": [_change(change) for change in changes],
        "ticket": {
            "number": ticket.number,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "url": ticket.tenant.url(path),
        },
    }


def _change(event: TicketEvent) -> dict:
    return {
        "id": event.pk,
        "kind": event.kind,
        "field": event.field,
        "old": event.old_value,
        "new": event.new_value,
        "actor": _actor(event),
        "at": _iso(event.created_at),
    }


def _actor(event: TicketEvent) -> dict:
    if event.actor_membership_id:
        return {"type": "member", "id": event.actor_membership_id}
    if event.actor_contact_id:
        return {"type": "contact", "id": event.actor_contact_id}
    return {"type": "automation", "name": event.actor_automation}


def ping_payload(*, tenant_slug: str, event_id: uuid.UUID, at: datetime) -> dict:
    return {"event": PING, "event_id": str(event_id), "occurred_at": _iso(at), "tenant": tenant_slug}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
