"""The webhook events, declared in one place, and what a ticket change means in those events.

Other apps add theirs with `register_event()` in their AppConfig.ready() (the SLA work: "sla.breached", ...);
admins choose from everything registered. Payloads carry ids and codes, never message bodies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse

from tickets.lifecycle import Status
from tickets.models import Ticket

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


def events_for_change(kinds: Iterable[str], *, status: str) -> list[str]:
    """Map the audit kinds of one announced change to webhook events, in a stable order.

    created -> ticket.created; status_changed -> ticket.status_changed, plus ticket.resolved when the ticket is
    resolved now; every other change -> ticket.updated.
    """
    events: list[str] = []
    for kind in kinds:
        if kind == "created":
            found = [TICKET_CREATED]
        elif kind == "status_changed":
            found = [TICKET_STATUS_CHANGED] + ([TICKET_RESOLVED] if status == Status.RESOLVED else [])
        else:
            found = [TICKET_UPDATED]
        events.extend(event for event in found if event not in events)
    return events


_EVENT_NAMESPACE = uuid.UUID("6f1c3c0e-8f0e-4d0b-9a53-7e0e2d6b1a11")


def ticket_event_id(ticket: Ticket, event: str) -> uuid.UUID:
    """The same change announced twice (the outbox may redeliver) gets the same id, so it is delivered once.

    A ticket is created once; any other event is one state of the ticket, named by its updated_at.
    """
    moment = "" if event == TICKET_CREATED else ticket.updated_at.isoformat()
    return uuid.uuid5(_EVENT_NAMESPACE, f"{ticket.tenant_id}:{ticket.pk}:{event}:{moment}")


def ticket_payload(ticket: Ticket, *, event: str, event_id: uuid.UUID, kinds: Iterable[str] = ()) -> dict:
    """What receivers get: ids and codes of the ticket's current state (no names, no message text)."""
    path = reverse("desk:ticket", urlconf="config.urls", kwargs={"number": ticket.number})
    return {
        "event": event,
        "event_id": str(event_id),
        "occurred_at": _iso(ticket.updated_at),
        "tenant": ticket.tenant.slug,
        "changes": list(kinds),
        "ticket": {
            "number": ticket.number,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "queue": ticket.queue_id,
            "assignee": ticket.assignee_id,
            "url": ticket.tenant.url(path),
            "updated_at": _iso(ticket.updated_at),
        },
    }


def ping_payload(*, tenant_slug: str, event_id: uuid.UUID, at: datetime) -> dict:
    return {"event": PING, "event_id": str(event_id), "occurred_at": _iso(at), "tenant": tenant_slug}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
