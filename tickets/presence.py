"""Collision detection: who else has a ticket open or is typing on it, and what changed since a page was loaded.

Presence lives only in the cache (Redis in production; every key carries the tenant, see tenancy.cache) with a
short time to live, so a closed tab disappears by itself. Each member writes only their own key; the ticket's
roster of member ids may lose a concurrent write, and the next poll (every few seconds) puts it back.
Timestamps inside the entries, not the cache's own expiry, decide who counts as present, so the rules do not
depend on the backend's expiry precision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from tenancy.models import Membership
from tickets.content import html_to_plain_text
from tickets.models import Message, Ticket, TicketEvent
from tickets.selectors import visible_tickets
from tickets.timeline import describe, name_lookup

MESSAGE_EVENTS = {"replied": "replied", "note_added": "added an internal note", "customer_replied": "replied"}


def viewing_ttl() -> int:
    return getattr(settings, "PRESENCE_TTL_SECONDS", 20)


def typing_ttl() -> int:
    return getattr(settings, "PRESENCE_TYPING_SECONDS", 6)


@dataclass(frozen=True)
class Presence:
    member_id: int
    name: str
    typing: bool
    kind: str  # what they are typing: "reply" or "note"


def _roster_key(ticket: Ticket) -> str:
    return f"presence:{ticket.pk}"


def _member_key(ticket: Ticket, member_id: int) -> str:
    return f"presence:{ticket.pk}:{member_id}"


def mark_viewing(*, ticket: Ticket, member: Membership, now: float | None = None) -> None:
    """Record that `member` has the ticket open (the page polls this every few seconds)."""
    _touch(ticket, member, now if now is not None else time.time(), typing=False, kind="")


def mark_typing(*, ticket: Ticket, member: Membership, kind: str = "reply", now: float | None = None) -> None:
    """Record that `member` is typing a reply or a note right now; it lapses a few seconds after the last key."""
    _touch(ticket, member, now if now is not None else time.time(), typing=True, kind=kind)


def stop_typing(*, ticket: Ticket, member: Membership) -> None:
    """The member sent what they were typing: colleagues should not keep seeing "is typing" for a few seconds."""
    key = _member_key(ticket, member.pk)
    entry = cache.get(key)
    if entry and entry.get("typing"):
        entry.update(typing=0, kind="")
        cache.set(key, entry, viewing_ttl())


def leave(*, ticket: Ticket, member: Membership) -> None:
    """Forget `member` at once (the tab says goodbye when it can; when it cannot, the entry expires)."""
    cache.delete(_member_key(ticket, member.pk))


def _touch(ticket: Ticket, member: Membership, now: float, *, typing: bool, kind: str) -> None:
    ttl = viewing_ttl()
    key = _member_key(ticket, member.pk)
    entry = cache.get(key) or {}
    entry.update(name=member.display_name, seen=now)
    if typing:
        entry.update(typing=now, kind=kind)
    cache.set(key, entry, ttl)
    roster = {pk: seen for pk, seen in (cache.get(_roster_key(ticket)) or {}).items() if seen > now - ttl}
    roster[member.pk] = now
    cache.set(_roster_key(ticket), roster, ttl)


def others_present(*, ticket: Ticket, member: Membership, now: float | None = None) -> list[Presence]:
    """Everyone but `member` who had the ticket open in the last few seconds, typists first."""
    now = now if now is not None else time.time()
    roster = cache.get(_roster_key(ticket)) or {}
    keys = [_member_key(ticket, pk) for pk in roster if pk != member.pk]
    entries = cache.get_many(keys) if keys else {}
    present = []
    for key, entry in entries.items():
        if entry.get("seen", 0) <= now - viewing_ttl():
            continue
        typing = entry.get("typing", 0) > now - typing_ttl()
        member_id = int(key.rsplit(":", 1)[1])
        present.append(Presence(member_id, entry.get("name", ""), typing, entry.get("kind", "") if typing else ""))
    return sorted(present, key=lambda p: (not p.typing, p.name.lower()))


# --- What changed since the page was loaded ----------------------------------------------------------------------


def latest_event_id(ticket: Ticket) -> int:
    """The newest audit event of the ticket (0 for none): the composer sends it back as `seen_event_id`.
    A ticket loaded for its page (selectors.get_ticket(page=True)) brought it along."""
    loaded = getattr(ticket, "newest_event_id", None)
    if loaded is not None:
        return loaded
    return TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first() or 0


@dataclass(frozen=True)
class Change:
    event_id: int
    who: str
    text: str
    at: datetime
    excerpt: str = ""


def _others_since(ticket: Ticket, seen_event_id: int, viewer: Membership):
    return TicketEvent.objects.filter(ticket=ticket, pk__gt=seen_event_id).exclude(actor_membership=viewer)


def has_changed_since(*, ticket: Ticket, seen_event_id: int, viewer: Membership) -> bool:
    """Whether someone other than `viewer` (a colleague, the customer, an automation) changed the ticket."""
    return _others_since(ticket, seen_event_id, viewer).exists()


def changes_since(*, ticket: Ticket, seen_event_id: int, viewer: Membership, limit: int = 10) -> list[Change]:
    """What others did to the ticket after event `seen_event_id`, oldest first, in words (three queries)."""
    events = list(
        _others_since(ticket, seen_event_id, viewer)
        .select_related("actor_membership__user", "actor_contact")
        .order_by("id")[:limit]
    )
    names = name_lookup(events, visible=visible_tickets(viewer))
    message_ids = [int(e.new_value) for e in events if e.kind in MESSAGE_EVENTS and e.new_value.isdigit()]
    bodies = Message.objects.filter(pk__in=message_ids).values_list("pk", "body_html") if message_ids else []
    excerpts = {pk: html_to_plain_text(html) for pk, html in bodies}  # the body is stored once, as HTML
    changes = []
    for event in events:
        if event.actor_membership_id:
            who = event.actor_membership.display_name
        elif event.actor_contact_id:
            who = event.actor_contact.display_name
        else:
            who = event.actor_automation
        if event.kind in MESSAGE_EVENTS:
            text = MESSAGE_EVENTS[event.kind]
            body = excerpts.get(int(event.new_value), "") if event.new_value.isdigit() else ""
            excerpt = body if len(body) <= 160 else body[:159].rstrip() + "…"
        else:
            text, excerpt = describe(event, names), ""
        changes.append(Change(event.pk, who, text, event.created_at, excerpt))
    return changes
