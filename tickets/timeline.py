"""Audit events in words. Events store ids and codes (never names); names are looked up when shown, so a
renamed queue or an erased person never needs the trail rewritten."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from tenancy.models import Membership
from tickets.event_kinds import KINDS
from tickets.models import (
    Category,
    Channel,
    Contact,
    EscalationTier,
    Message,
    Queue,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.selectors.structure import escalation_label

LOOKUPS = {
    "queue": Queue,
    "team": Team,
    "assignee": Membership,
    "category": Category,
    "subcategory": Category,
    "tags": Tag,
    "participants": Contact,
    "merged_into": Ticket,
    "merged_from": Ticket,
    "related": Ticket,
    "follow_up": Ticket,
    "follow_up_of": Ticket,
    "escalation_level": EscalationTier,  # by level, not by id: see name_lookup
}


HIDDEN_TICKET = "a ticket you cannot open"


def name_lookup(events: list[TicketEvent], *, visible: QuerySet[Ticket] | None = None) -> dict[tuple[type, str], str]:
    """Names for the ids the events mention: one query per kind of thing mentioned, whatever the count.

    `visible` is the viewer's tickets (tickets.selectors.visible_tickets): another ticket outside it is not
    named, its number being the viewer's to read no more than its subject."""
    wanted: dict[type, set[int]] = defaultdict(set)
    for event in events:
        model = LOOKUPS.get(event.field)
        for value in (event.old_value, event.new_value):
            if model is not None and value.isdigit():
                wanted[model].add(int(value))
    names: dict[tuple[type, str], str] = {}
    lists = _picklists()
    if EscalationTier in wanted:
        # Events store the level; every level, 0 included, reads as the tier's name now.
        for level in wanted.pop(EscalationTier):
            names[(EscalationTier, str(level))] = escalation_label(level, lists.tiers)
    # Queues, teams, categories and active staff are in the tenant's cached lists (current names: a rename gives
    # the lists a new version); only the others (a former colleague, a tag, a contact, a ticket) are queried.
    for model, known in _listed_names(lists).items():
        for pk in list(wanted.get(model, ())):
            if pk in known:
                names[(model, str(pk))] = known[pk]
                wanted[model].discard(pk)
    for model, ids in wanted.items():
        if not ids:
            continue
        rows = model.objects.filter(pk__in=ids)
        if model is Membership:
            rows = rows.select_related("user")
        if model is Ticket and visible is not None:
            rows = rows.only("id", "tenant_id", "number").annotate(may_open=Exists(visible.filter(pk=OuterRef("pk"))))
        for row in rows:
            names[(model, str(row.pk))] = HIDDEN_TICKET if getattr(row, "may_open", True) is False else _display(row)
    return names


def _picklists():
    # Imported here: tickets.picklists imports the selectors, which import this module.
    from tickets.picklists import picklists

    return picklists()


def _listed_names(lists) -> dict[type, dict[int, str]]:
    """What _display would say of each row of the tenant's cached lists (tickets.picklists)."""
    return {
        Queue: {queue.pk: queue.name for queue in lists.queues},
        Team: {team.pk: team.name for team in lists.teams},
        Category: {category.pk: category.name for category in lists.categories},
        Membership: {member.pk: member.display_name for member in lists.staff},
    }


def _display(row) -> str:
    if isinstance(row, Membership):
        return row.display_name
    if isinstance(row, Contact):
        return row.display_name
    if isinstance(row, Ticket):
        return f"#{row.number}"
    return str(getattr(row, "name", row))


def describe(event: TicketEvent, names: dict) -> str:
    """The event in words, as its kind declares (tickets.event_kinds); a kind no longer declared reads as its name."""
    model = LOOKUPS.get(event.field)

    def name(value: str) -> str:
        return names.get((model, value), "a deleted item") if value else "none"

    kind = KINDS.get(event.kind)
    return kind.describe(event, name) if kind is not None else event.kind.replace("_", " ")


# --- The agent's timeline, ready to show ----------------------------------------------------------------------------

CHANNEL_LABELS = dict(Channel.choices)


def present_timeline(entries: list, ticket: Ticket, staff: Iterable) -> list:
    """Give each message and event of the timeline the words and classes the ticket page shows.

    Fifty messages with a dozen lookups each through the template engine cost more than all the page's
    queries; set here once, the template reads plain attributes. Authors and actors are named from `staff`
    (the page's list of colleagues) and the ticket's requester; anyone else in one query per kind.
    """
    prefix = ticket.tenant.ticket_prefix
    members, contacts = _people(entries, ticket, staff)
    for entry in entries:
        if entry.message is not None:
            _present_message(entry.message, ticket, prefix, members, contacts)
        elif entry.event is not None:
            entry.actor_name = _name(*_who(entry), members, contacts) or entry.event.actor_automation
    return entries


def _who(entry) -> tuple[int | None, int | None]:
    """The member and the contact behind a timeline entry: a message's author, an event's actor."""
    if entry.message is not None:
        return entry.message.author_membership_id, entry.message.author_contact_id
    if entry.event is not None:
        return entry.event.actor_membership_id, entry.event.actor_contact_id
    return None, None


def _name(member_id: int | None, contact_id: int | None, members: dict, contacts: dict) -> str:
    """The name of whoever wrote or acted ("" for neither: the system or an automation)."""
    if member_id:
        return members.get(member_id, "A former colleague")
    if contact_id:
        return contacts.get(contact_id, "A deleted contact")
    return ""


def _people(entries: list, ticket: Ticket, staff: Iterable) -> tuple[dict[int, str], dict[int, str]]:
    members = {member.pk: member.display_name for member in staff}
    contacts = {ticket.contact_id: ticket.contact.display_name}
    missing_members, missing_contacts = set(), set()
    for entry in entries:
        member_id, contact_id = _who(entry)
        if member_id and member_id not in members:
            missing_members.add(member_id)
        if contact_id and contact_id not in contacts:
            missing_contacts.add(contact_id)
    if missing_members:  # people who have left, or whose membership is no longer staff
        rows = Membership.objects.filter(pk__in=missing_members).select_related("user")
        members.update((row.pk, row.display_name) for row in rows)
    if missing_contacts:  # people copied on the ticket, or requesters of merged tickets
        contacts.update((row.pk, row.display_name) for row in Contact.objects.filter(pk__in=missing_contacts))
    return members, contacts


def _present_message(
    message: Message, ticket: Ticket, prefix: str, members: dict[int, str], contacts: dict[int, str]
) -> None:
    css = [f"message--{message.kind}"]
    if message.author_membership_id:
        css.append("message--agent")
    elif message.author_contact_id:
        css.append("message--customer")
    author = _name(message.author_membership_id, message.author_contact_id, members, contacts) or "System"
    merged = message.ticket_id != ticket.pk
    if merged:
        css.append("message--merged")
    message.css = " ".join(css)
    message.dom_id = f"message-{message.pk}"
    message.author_name = author
    message.initial = author[:1] if author != "System" else "·"
    message.is_note = message.kind == Message.Kind.NOTE
    # A merged ticket the viewer may not open has no number here (get_timeline left it out): it is not named.
    number = getattr(message, "source_number", None)
    message.merged_from = (f"{prefix}-{number}" if number else "a merged ticket") if merged else ""
    message.channel_label = CHANNEL_LABELS.get(message.channel, message.channel)
