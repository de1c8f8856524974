from __future__ import annotations

from django.db.models.functions import Lower

from tickets.models import Tag, Ticket, TicketTag
from tickets.services.events import Actor, ServiceError, new_event, record_event, record_events

MAX_TAG_LENGTH = 50


def normalise_tag(name: str) -> str:
    return " ".join(name.split()).lower()[:MAX_TAG_LENGTH]


def apply_tags(ticket: Ticket, *, names, actor: Actor, at=None, reason: str = "") -> list[Tag]:
    """Add tags (created on first use) that the ticket does not carry yet; one event per added tag."""
    wanted = {normalise_tag(name) for name in names} - {""}
    if not wanted:
        raise ServiceError("Give at least one tag.")
    rows, events = tags_together([(ticket, wanted)], actor=actor, reasons={ticket.pk: reason}, at=at)
    TicketTag.objects.bulk_create(rows)
    record_events(events)
    return [row.tag for row in rows]


def remove_tag(ticket: Ticket, *, tag: Tag, actor: Actor, reason: str = "") -> bool:
    deleted, _ = TicketTag.objects.filter(ticket=ticket, tag=tag).delete()
    if deleted:
        record_event(ticket, actor=actor, kind="untagged", field="tags", old=tag.pk, reason=reason)
    return bool(deleted)


def tags_together(
    wanted: list[tuple[Ticket, set[str]]], *, actor: Actor, reasons: dict[int, str], at=None
) -> tuple[list[TicketTag], list]:
    """The plan of `apply_tags` for many tickets (each with normalised, non-empty names): the tags any of them
    lacks created on first use, and the ticket tags and "tagged" events to add (stamped `at`, or now), not yet
    written, in ticket order and then name order."""
    names = {name for _, ticket_names in wanted for name in ticket_names}
    existing = {tag.name.lower(): tag for tag in Tag.objects.annotate(lname=Lower("name")).filter(lname__in=names)}
    carried: dict[int, set[int]] = {}
    for ticket_id, tag_id in TicketTag.objects.filter(ticket__in=[t for t, _ in wanted]).values_list(
        "ticket_id", "tag_id"
    ):
        carried.setdefault(ticket_id, set()).add(tag_id)
    rows, events = [], []
    for ticket, ticket_names in wanted:
        for name in sorted(ticket_names):
            tag = existing.get(name)
            if tag is None:
                tag = existing[name] = Tag.objects.create(name=name)
            if tag.pk in carried.get(ticket.pk, ()):
                continue
            rows.append(TicketTag(tenant_id=ticket.tenant_id, ticket=ticket, tag=tag))
            events.append(
                new_event(
                    ticket,
                    actor=actor,
                    kind="tagged",
                    field="tags",
                    new=tag.pk,
                    reason=reasons.get(ticket.pk, ""),
                    at=at,
                )
            )
    return rows, events
