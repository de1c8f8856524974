"""Drafts: the half-written reply or note of one agent on one ticket, so it survives a reload or a crashed tab."""

from __future__ import annotations

from django.db import transaction

from tenancy.models import CrossTenantError, Membership
from tickets import clock
from tickets.models import Draft, Ticket, TicketEvent
from tickets.services.events import ServiceError, require_staff

KINDS = ("reply", "note")
MAX_DRAFT = 100_000
SENT_KINDS = ("replied", "note_added")


def save_draft(
    *, ticket: Ticket, actor: Membership, body: str, kind: str = "reply", seen_event_id: int | None = None
) -> Draft | None:
    """Keep the agent's draft (one row per agent and ticket); an empty body forgets it.

    `seen_event_id` is the newest event the composer's page knew of: when the agent has replied or noted
    since, this save comes from a composer that was already sent (a late autosave) and is ignored, so a
    sent reply never comes back as a draft.
    """
    require_staff(actor)
    if ticket.tenant_id != actor.tenant_id:
        raise CrossTenantError("These records belong to different organisations.")
    if kind not in KINDS:
        raise ServiceError("A draft is a reply or a note.")
    if len(body) > MAX_DRAFT:
        raise ServiceError("The draft is too long to keep.")
    if seen_event_id is not None and _sent_since(ticket, actor, seen_event_id):
        return None
    with transaction.atomic():
        if not body.strip():
            Draft.objects.filter(ticket=ticket, membership=actor).delete()
            return None
        draft, _ = Draft.objects.update_or_create(
            ticket=ticket, membership=actor, defaults={"body": body, "kind": kind, "updated_at": clock.now()}
        )
    return draft


def get_draft(*, ticket: Ticket, actor: Membership) -> Draft | None:
    return Draft.objects.filter(ticket=ticket, membership=actor).first()


def clear_draft(*, ticket: Ticket, actor: Membership) -> None:
    """Forget the draft once the reply or note it held was sent."""
    with transaction.atomic():
        Draft.objects.filter(ticket=ticket, membership=actor).delete()


def _sent_since(ticket: Ticket, actor: Membership, seen_event_id: int) -> bool:
    return TicketEvent.objects.filter(
        ticket=ticket, actor_membership=actor, kind__in=SENT_KINDS, pk__gt=seen_event_id
    ).exists()
