"""Audit event kinds, each declared once: how it reads in the agent's timeline, whether the timeline lists it
(replies and notes show as messages instead), whether customers may see it, and which webhook events it sets
off. `record_event` refuses a kind that is not declared; other apps declare theirs with `register_kind()` in
their AppConfig.ready().

Events store ids and codes (never names): `describe(event, name)` gets a `name(value)` that turns an id of the
thing the event's field refers to into words (tickets.timeline.name_lookup loads them, one query per model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tickets.lifecycle import Status
from tickets.models import Priority, TicketEvent
from tickets.webhooks.events import TICKET_CREATED, TICKET_RESOLVED, TICKET_STATUS_CHANGED, TICKET_UPDATED

Describe = Callable[[TicketEvent, Callable[[str], str]], str]


class UnknownEventKind(ValueError):
    """A service recorded a kind nobody declared (a programming error, never a user's)."""


@dataclass(frozen=True)
class EventKind:
    name: str
    describe: Describe
    webhooks: tuple[str, ...] | Callable[[TicketEvent], tuple[str, ...]] = ()
    in_timeline: bool = True
    customer_visible: bool = False
    # How the customer portal's conversation reads it ("replied; back to open"); "": the portal does not show it.
    portal_text: str = ""

    def webhook_events(self, event: TicketEvent) -> tuple[str, ...]:
        return self.webhooks(event) if callable(self.webhooks) else self.webhooks


KINDS: dict[str, EventKind] = {}


def register_kind(name: str, *, describe: Describe, **options) -> EventKind:
    """Declare a kind (idempotent: apps may be readied twice in tests)."""
    if len(name) > 40:
        raise ValueError(f"Event kinds fit in 40 characters: {name!r}")
    KINDS[name] = EventKind(name=name, describe=describe, **options)
    return KINDS[name]


def get_kind(name: str) -> EventKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownEventKind(
            f"Unknown audit event kind {name!r}: declare it with tickets.event_kinds.register_kind"
        ) from None


def webhook_events(event: TicketEvent) -> tuple[str, ...]:
    """The webhook events one recorded event sets off (none for a kind no longer declared)."""
    kind = KINDS.get(event.kind)
    return kind.webhook_events(event) if kind is not None else ()


def timeline_kinds_hidden() -> list[str]:
    return sorted(name for name, kind in KINDS.items() if not kind.in_timeline)


def portal_kinds() -> list[str]:
    """The kinds the customer portal's conversation shows between the messages."""
    return sorted(name for name, kind in KINDS.items() if kind.customer_visible and kind.portal_text)


def portal_text(event: TicketEvent) -> str:
    kind = KINDS.get(event.kind)
    return kind.portal_text if kind is not None else ""


def label(choices, value: str) -> str:
    try:
        return str(choices(type(choices.values[0])(value)).label).lower()
    except (ValueError, TypeError):
        return value or "none"


def _status_move(verb: str) -> Describe:
    return lambda e, name: f"{verb}: {label(Status, e.old_value)} → {label(Status, e.new_value)}"


def _status_webhooks(event: TicketEvent) -> tuple[str, ...]:
    resolved = (TICKET_RESOLVED,) if event.new_value == Status.RESOLVED else ()
    return (TICKET_STATUS_CHANGED, *resolved)


def _assigned(e: TicketEvent, name) -> str:
    return "claimed the ticket" if e.reason == "claimed" else f"assigned the ticket to {name(e.new_value)}"


def _rated(e: TicketEvent, name) -> str:
    if e.old_value:
        return f"changed their satisfaction rating: {e.old_value}/5 → {e.new_value}/5"
    return f"rated the resolution {e.new_value}/5"


def _linked(e: TicketEvent, name) -> str:
    wording = {"follow_up": "opened the follow-up", "follow_up_of": "followed up on"}.get(e.field, "linked")
    return f"{wording} {name(e.new_value)}"


def _email_refused(e: TicketEvent, name) -> str:
    opened = f"; it opened {name(e.new_value)}" if e.field == "related" else ""
    return f"refused an email from someone who is not on this ticket{opened}"


def _email_released(e: TicketEvent, name) -> str:
    if "new ticket" in e.reason:
        return "opened this ticket by hand from a held email (its sender was not authenticated)"
    return "released a held email into the conversation by hand (its sender was not authenticated)"


def _field_change(e: TicketEvent, name) -> str:
    return f"changed the {e.field}: {name(e.old_value)} → {name(e.new_value)}"


def _custom_field_changed(e: TicketEvent, name) -> str:
    from tickets.custom_fields.definitions import describe_change

    return describe_change(e.field, e.old_value, e.new_value)


def _resolution_blocked(e: TicketEvent, name) -> str:
    from tickets.custom_fields.definitions import describe_keys

    return f"could not resolve the ticket: {describe_keys(e.new_value)} must be filled in first"


UPDATED = (TICKET_UPDATED,)

# The conversation: shown as messages, not as events.
register_kind("replied", describe=lambda e, name: "replied", webhooks=UPDATED, in_timeline=False)
register_kind("note_added", describe=lambda e, name: "added a note", webhooks=UPDATED, in_timeline=False)
register_kind("customer_replied", describe=lambda e, name: "replied", webhooks=UPDATED, in_timeline=False)

# The lifecycle.
register_kind(
    "created",
    describe=lambda e, name: f"opened the ticket via {e.new_value or 'web'}",
    webhooks=(TICKET_CREATED,),
    customer_visible=True,
)
register_kind(
    "status_changed", describe=_status_move("changed the status"), webhooks=_status_webhooks, customer_visible=True
)
register_kind(
    "reopened",
    describe=_status_move("reopened the ticket"),
    webhooks=(TICKET_STATUS_CHANGED,),
    customer_visible=True,
    portal_text="reopened the request",
)
# A customer's answer to a ticket waiting for them: not a reopen (reports count reopens), and not worded as one.
register_kind(
    "customer_replied_while_pending",
    describe=lambda e, name: "replied; back to open",
    webhooks=(TICKET_STATUS_CHANGED,),
    customer_visible=True,
    portal_text="replied; back to open",
)
register_kind(
    "priority_changed",
    describe=lambda e, name: f"changed the priority: {label(Priority, e.old_value)} → {label(Priority, e.new_value)}",
    webhooks=UPDATED,
)
register_kind(
    "escalated",
    # The tier's name as it is now (tickets.timeline looks it up by level), so a renamed tier reads renamed.
    describe=lambda e, name: f"escalated the ticket to {name(e.new_value)}",
    webhooks=UPDATED,
)
register_kind(
    "de_escalated",
    describe=lambda e, name: f"lowered the escalation to {name(e.new_value)}",
    webhooks=UPDATED,
)

# Ownership and filing.
register_kind("assigned", describe=_assigned, webhooks=UPDATED)
register_kind("unassigned", describe=lambda e, name: f"unassigned {name(e.old_value)}", webhooks=UPDATED)
register_kind("queue_changed", describe=_field_change, webhooks=UPDATED)
# A member or API key filed a new ticket into a queue themselves: routing rules leave that queue alone.
register_kind("queue_chosen", describe=lambda e, name: f"filed it in {name(e.new_value)}")
register_kind("team_changed", describe=_field_change, webhooks=UPDATED)
register_kind("categorised", describe=_field_change, webhooks=UPDATED)
register_kind("tagged", describe=lambda e, name: f"added the tag {name(e.new_value)}", webhooks=UPDATED)
register_kind("untagged", describe=lambda e, name: f"removed the tag {name(e.old_value)}", webhooks=UPDATED)
register_kind(
    "participant_added", describe=lambda e, name: f"copied {name(e.new_value)} on the ticket", webhooks=UPDATED
)
register_kind("rated", describe=_rated, webhooks=UPDATED, customer_visible=True)

# Custom fields (tickets.custom_fields): field is the field's key, values its codes ("(text)" for text).
register_kind("custom_field_changed", describe=_custom_field_changed, webhooks=UPDATED)
# An automation (routing, SLA) that could not resolve: new_value lists the empty required fields' keys.
register_kind("resolution_blocked", describe=_resolution_blocked)

# Relations. A merge closes the source: that is its own status_changed event, so it fires ticket.status_changed.
register_kind("merged_into", describe=lambda e, name: f"merged this ticket into {name(e.new_value)}", webhooks=UPDATED)
register_kind("merged", describe=lambda e, name: f"merged {name(e.new_value)} into this ticket", webhooks=UPDATED)
register_kind("linked", describe=_linked, webhooks=UPDATED)

# Mail that reached the ticket without joining its conversation: the desk's to review, nothing for webhooks.
register_kind("email_refused", describe=_email_refused)
register_kind("email_bounced", describe=lambda e, name: "recorded a bounce: an email we sent could not be delivered")
register_kind(
    "auto_reply_received",
    describe=lambda e, name: "received an automatic reply (such as out of office); it was not added as a reply",
)
register_kind(
    "email_held",
    describe=lambda e, name: (
        "held an email that claims to be from someone on this ticket: its sender was not authenticated"
    ),
)
register_kind("email_released", describe=_email_released)
