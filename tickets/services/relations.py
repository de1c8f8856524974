"""Merging, linking, tags and participants."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from tenancy.models import ensure_same_tenant
from tickets import clock, search_index
from tickets.lifecycle import Status
from tickets.models import Contact, Tag, Ticket, TicketLink, TicketParticipant
from tickets.services.common import lock, locked, save, set_status
from tickets.services.events import Actor, ServiceError, record_event, require_desk_actor
from tickets.services.tags import apply_tags, remove_tag


def merge(*, source: Ticket, target: Ticket, actor: Actor, reason: str = "") -> Ticket:
    """Merge `source` into `target`: the source is closed with a pointer to the target, its conversation shows
    in the target's timeline, its requester joins the target as a participant, and both get events."""
    require_desk_actor(actor)
    if source.pk == target.pk:
        raise ServiceError("A ticket cannot be merged into itself.")
    with transaction.atomic():
        # Lock both rows in id order so two opposite merges cannot deadlock.
        first, second = sorted((source.pk, target.pk))
        rows = {first: lock(first), second: lock(second)}
        source, target = rows[source.pk], rows[target.pk]
        ensure_same_tenant(source, target)
        if source.merged_into_id:
            raise ServiceError(f"{source.reference} was already merged.")
        if target.merged_into_id or target.status in (Status.CLOSED, Status.SPAM):
            raise ServiceError(f"{target.reference} is closed; merge into an open ticket.")
        now = clock.now()
        old_status = source.status
        source.merged_into = target
        fields = ["merged_into"]
        if source.status != Status.CLOSED:
            fields += set_status(source, Status.CLOSED, now)
        save(source, *fields)
        TicketLink.objects.create(source=source, target=target, kind=TicketLink.Kind.MERGED)
        record_event(source, actor=actor, kind="merged_into", field="merged_into", new=target.pk, reason=reason)
        if old_status != Status.CLOSED:
            record_event(source, actor=actor, kind="status_changed", field="status", old=old_status, new=Status.CLOSED)
        record_event(target, actor=actor, kind="merged", field="merged_from", new=source.pk, reason=reason)
        if source.contact_id != target.contact_id:
            _add_participant(target, source.contact, actor)
        save(target, *search_index.merge_words(target, source))
    return target


def link(*, ticket: Ticket, other: Ticket, actor: Actor) -> TicketLink:
    """Mark two tickets as related (shown on both)."""
    require_desk_actor(actor)
    if ticket.pk == other.pk:
        raise ServiceError("A ticket cannot be linked to itself.")
    ensure_same_tenant(ticket, other)
    with transaction.atomic():
        source, target = sorted((ticket, other), key=lambda t: t.pk)
        if TicketLink.objects.filter(source=source, target=target, kind=TicketLink.Kind.RELATED).exists():
            raise ServiceError(f"{ticket.reference} and {other.reference} are already linked.")
        created = TicketLink.objects.create(source=source, target=target, kind=TicketLink.Kind.RELATED)
        record_event(ticket, actor=actor, kind="linked", field="related", new=other.pk)
        record_event(other, actor=actor, kind="linked", field="related", new=ticket.pk)
    return created


def tag(*, ticket: Ticket, names: list[str], actor: Actor, reason: str = "") -> list[Tag]:
    require_desk_actor(actor)
    with locked(ticket) as ticket:
        added = apply_tags(ticket, names=names, actor=actor, reason=reason)
        if added:
            save(ticket)
    return added


def untag(*, ticket: Ticket, tag: Tag, actor: Actor, reason: str = "") -> bool:
    require_desk_actor(actor)
    ensure_same_tenant(ticket, tag)
    with locked(ticket) as ticket:
        removed = remove_tag(ticket, tag=tag, actor=actor, reason=reason)
        if removed:
            save(ticket)
    return removed


def add_participant(*, ticket: Ticket, contact: Contact, actor: Actor) -> bool:
    """Copy a contact on the ticket; they may then read and reply to its public conversation."""
    require_desk_actor(actor)
    ensure_same_tenant(ticket, contact)
    with locked(ticket) as ticket:
        if contact.pk == ticket.contact_id:
            raise ServiceError(f"{contact.display_name} is the requester already.")
        added = _add_participant(ticket, contact, actor)
        if added:
            save(ticket)
    return added


def _add_participant(ticket: Ticket, contact: Contact, actor: Actor) -> bool:
    try:
        with transaction.atomic():
            _, created = TicketParticipant.objects.get_or_create(ticket=ticket, contact=contact)
    except IntegrityError:
        created = False
    if created:
        record_event(ticket, actor=actor, kind="participant_added", field="participants", new=contact.pk)
    return created
