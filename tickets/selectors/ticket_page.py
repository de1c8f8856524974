"""Reads of the agent's ticket page: the ticket, its timeline, its related tickets and the side panel's lists."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import chain

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL

from tenancy.models import Membership, Tenant, mention_handle_of
from tenancy.prepared import prepared
from tenancy.selectors import list_staff
from tickets.event_kinds import portal_kinds, portal_text, timeline_kinds_hidden
from tickets.models import (
    Attachment,
    Category,
    Contact,
    InboundEmail,
    Message,
    OutboundEmail,
    SatisfactionRating,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketParticipant,
    TicketTag,
)
from tickets.selectors import can_open, sees_every_queue, visible_tickets
from tickets.selectors.mail import list_ticket_mails, mails_by_message
from tickets.timeline import describe, name_lookup


def get_ticket(membership: Membership, number: int, *, tenant: Tenant, page: bool = False) -> Ticket:
    """The ticket with this number, if this member may see it (else Ticket.DoesNotExist: a 404).

    Only the relations the ticket page shows are joined: the planner's time and the ORM's grow fast with every
    join (eleven tables took 10 ms a page); the request's `tenant` is attached instead of joined.
    For the ticket `page`, its newest event's id and whether it has been rated, has links, tags or people copied
    come with it (subqueries on their indexes rather than more queries; most tickets have none of them)."""
    # Compiled once per process for each shape (tenancy.prepared): building and compiling this query was 1.1 ms
    # of the page's CPU, running it 0.1 ms. Its shape: the page or not, and whose teams limit it (if anyone's).
    if not 0 < number <= MAX_NUMBER:  # beyond the column's range (the ORM compiled such a lookup to no rows)
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    shape = ("ticket", page, None if sees_every_queue(membership) else membership.pk)
    tickets = prepared(shape, functools.partial(_ticket_by_number, membership, tenant.pk, page), number)
    if not tickets:
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    (ticket,) = tickets  # numbers are unique in a tenant
    ticket.tenant = tenant
    return ticket


MAX_NUMBER = 2**63 - 1


def _ticket_by_number(membership: Membership, tenant_id: int, page: bool, number: int):
    related = ["contact__organisation", "queue", "team", "assignee__user"]
    tickets = visible_tickets(membership).select_related(*related)
    if page:
        # The page shows the conversation, not the ticket's copy of it for search (kilobytes a ticket).
        tickets = tickets.defer("search_vector").annotate(**_page_annotations(tenant_id))
    return tickets.filter(number=number)[:2]


# The page's subqueries written once as SQL: as ORM expressions (Subquery and Exists with their OuterRefs,
# resolved and compiled at each request) they took 4 ms of the page's CPU, more than the rest of its query.
# Each reads its table's (tenant_id, ticket_id) index in the request's tenant, as the scoped managers would.
_TICKET_ID = f'"{Ticket._meta.db_table}"."id"'


def _exists(model, where: str = f"x.ticket_id = {_TICKET_ID}") -> str:
    return f'EXISTS(SELECT 1 FROM "{model._meta.db_table}" x WHERE x.tenant_id = %s AND {where})'  # noqa: S608


PAGE_FLAGS = {
    "is_rated": _exists(SatisfactionRating),
    "has_links": _exists(TicketLink, f"(x.source_id = {_TICKET_ID} OR x.target_id = {_TICKET_ID})"),
    "has_tags": _exists(TicketTag),
    "has_participants": _exists(TicketParticipant),
}
NEWEST_EVENT = (
    f'SELECT x.id FROM "{TicketEvent._meta.db_table}" x '  # noqa: S608 - our table and column names
    f"WHERE x.tenant_id = %s AND x.ticket_id = {_TICKET_ID} ORDER BY x.id DESC LIMIT 1"
)


def _page_annotations(tenant_id: int) -> dict[str, RawSQL]:
    """The ticket's newest event id, and whether it has been rated, has links, tags or people copied."""
    annotations = {"newest_event_id": RawSQL(NEWEST_EVENT, [tenant_id], output_field=BigIntegerField())}  # noqa: S611
    for name, sql in PAGE_FLAGS.items():
        annotations[name] = RawSQL(sql, [tenant_id], output_field=BooleanField())  # noqa: S611
    return annotations


@dataclass
class TimelineEntry:
    at: object
    message: Message | None = None
    event: TicketEvent | None = None
    text: str = ""  # what the event did, in words
    mail: OutboundEmail | None = None  # a mail to the requester that is not a reply (acknowledgement, status)
    actor_name: str = ""  # who did what an event records, in words (set by tickets.timeline.present_timeline)


def merged_source_ids(ticket: Ticket) -> list[int]:
    return list(
        TicketLink.objects.filter(target=ticket, kind=TicketLink.Kind.MERGED).values_list("source_id", flat=True)
    )


MESSAGE_COLUMNS = (
    "id", "tenant_id", "ticket_id", "kind", "author_membership_id", "author_contact_id", "channel", "body_html",
    "email_message_id", "created_at",
)  # fmt: skip
AUTHOR_COLUMNS = (
    "author_membership__id", "author_membership__tenant_id", "author_membership__user_id",
    "author_membership__role", "author_membership__is_active", "author_membership__user__id",
    "author_membership__user__email", "author_membership__user__full_name",
    "author_contact__id", "author_contact__tenant_id", "author_contact__name", "author_contact__email",
)  # fmt: skip


class OctetLength(Func):
    """A text's size in bytes; PostgreSQL reads a compressed value's size without decompressing it."""

    function = "OCTET_LENGTH"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):  # SQLite before 3.43 has no octet_length
        return self.as_sql(compiler, connection, template="LENGTH(CAST(%(expressions)s AS BLOB))", **extra)


def get_timeline(
    ticket: Ticket,
    *,
    include_internal: bool = True,
    merged_ids: list[int] | None = None,
    viewer: Membership | None = None,
    bodies: bool = True,
) -> list[TimelineEntry]:
    """Messages (with those of tickets merged into this one) and events, oldest first. The ticket page passes
    the `merged_ids` its Related panel has loaded (merged_from(get_related(ticket, viewer))).

    Without `bodies` (staff timeline only), the messages come without body_html, with its size in bytes as
    `body_size`: the ticket page takes most of them from the cache (tickets.message_fragments loads the bodies
    of the others in one query); a mail's body can be hundreds of kilobytes.

    With a staff `viewer`, other tickets the viewer may not open are not named (no reference): the messages of
    a merged ticket stay (the merge made them this ticket's conversation), marked "from a merged ticket"."""
    ticket_ids = [ticket.pk, *(merged_source_ids(ticket) if merged_ids is None else merged_ids)]
    messages = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        # Most messages have no files: attachments are looked up only for those the index says have some.
        .annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .order_by("created_at", "id")
    )
    if not include_internal:
        # The authors' names are all the portal shows of them.
        messages = (
            messages.filter(kind=Message.Kind.REPLY)
            .select_related("author_membership__user", "author_contact")
            .only(*MESSAGE_COLUMNS, *AUTHOR_COLUMNS)
        )
    else:
        # The agent's page names the authors from its staff list and the ticket's requester
        # (tickets.timeline.present_timeline): no joins.
        if bodies:
            messages = messages.only(*MESSAGE_COLUMNS)
        else:
            # octet_length reads a compressed body's size from its header, without decompressing it.
            columns = [c for c in MESSAGE_COLUMNS if c != "body_html"]
            messages = messages.only(*columns).annotate(body_size=OctetLength("body_html"))
        # The mail a message arrived as, for the agents' link to the original (a subquery on its index).
        inbound = InboundEmail.objects.filter(message=OuterRef("pk")).values("pk")[:1]
        messages = messages.annotate(inbound_email_id=Subquery(inbound))
    messages = _with_files(list(messages))
    if len(ticket_ids) > 1:
        # Messages of merged tickets name their source; the ticket rows themselves (with their search text)
        # are not loaded once per message.
        sources = visible_tickets(viewer) if viewer is not None else Ticket.objects.all()
        numbers = dict(sources.filter(pk__in=ticket_ids).values_list("pk", "number"))
        messages = [_with_source_number(m, numbers) for m in messages]
    if not include_internal:
        # Between the public messages, the few events worded for customers (tickets.event_kinds.portal_kinds).
        events = (
            TicketEvent.objects.filter(ticket=ticket, kind__in=portal_kinds())
            .select_related("actor_membership__user", "actor_contact")
            .order_by("created_at", "id")
        )
        return sorted(
            chain(
                (TimelineEntry(at=m.created_at, message=m) for m in messages),
                (TimelineEntry(at=e.created_at, event=e, text=portal_text(e)) for e in events),
            ),
            key=_timeline_order,
        )
    # Replies and notes are in the timeline as messages already (their kinds say so: tickets.event_kinds).
    events = TicketEvent.objects.filter(ticket=ticket).exclude(kind__in=timeline_kinds_hidden())
    events = list(events.order_by("created_at", "id"))
    names = name_lookup(events, visible=visible_tickets(viewer) if viewer is not None else None)
    # One query for the ticket's mail: each reply shows its own mail's fate, the other mails are entries.
    mails = list_ticket_mails(ticket_ids)
    by_message = mails_by_message(mails)
    messages = list(messages)
    for message in messages:
        message.outbound = by_message.get(message.pk)
    entries = chain(
        (TimelineEntry(at=m.created_at, message=m) for m in messages),
        (TimelineEntry(at=e.created_at, event=e, text=describe(e, names)) for e in events),
        (TimelineEntry(at=o.created_at, mail=o) for o in mails if o.message_id is None),
    )
    return sorted(entries, key=_timeline_order)


def _with_files(messages: list[Message]) -> list[Message]:
    """Each message's attachments as `files`, in one query for the messages that have any."""
    with_files = []
    for message in messages:
        if message.has_files:
            with_files.append(message)
        else:
            message.files = []  # (set only here: the prefetch skips a message that has the attribute)
    # to_attr: a plain list per message, not a related manager cloned for each one.
    prefetch_related_objects(
        with_files, Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="files")
    )
    return messages


def _with_source_number(message: Message, numbers: dict[int, int]) -> Message:
    message.source_number = numbers.get(message.ticket_id)
    return message


def _timeline_order(entry: TimelineEntry) -> tuple:
    # At the same moment: "opened the ticket" first, then the message, then what the message changed.
    if entry.event is not None:
        return (entry.at, 0 if entry.event.kind == "created" else 2, entry.event.pk)
    if entry.mail is not None:
        return (entry.at, 3, entry.mail.pk)
    return (entry.at, 1, entry.message.pk)


MERGED_FROM = "Merged from"


@dataclass
class Related:
    """The ticket page's Related panel. Tickets the viewer may not open are only counted, per label: their
    reference and subject are not the viewer's to read."""

    shown: list[tuple[str, Ticket]]  # (label, ticket) for the linked tickets the viewer may open
    hidden: list[tuple[str, int]]  # (label, how many) for the others
    merged_ids: list[int]  # every ticket merged into this one, visible or not (its messages are this ticket's)

    def __bool__(self) -> bool:
        return bool(self.shown or self.hidden)


def merged_from(related: Related) -> list[int]:
    """The ids of the tickets merged into this one, from its get_related panel."""
    return related.merged_ids


def get_related(ticket: Ticket, viewer: Membership) -> Related:
    """The tickets linked to this one (related, follow-ups, merges) in one query; whether the viewer may open
    each is a subquery of visible_tickets. No query for a ticket get_ticket(page=True) found without links:
    the two visibility subqueries cost more to build than the page's other queries."""
    if getattr(ticket, "has_links", True) is False:
        return Related(shown=[], hidden=[], merged_ids=[])
    links = TicketLink.objects.filter(source=ticket) | TicketLink.objects.filter(target=ticket)
    # Number and subject are all the panel shows: the linked tickets' other columns (their search text) stay put.
    shown = [f"{side}__{field}" for side in ("source", "target") for field in ("id", "tenant_id", "number", "subject")]
    links = (
        links.select_related("source", "target")
        .only("source_id", "target_id", "kind", *shown)
        .annotate(source_visible=can_open(viewer, "source_id"), target_visible=can_open(viewer, "target_id"))
        .order_by("created_at", "id")
    )
    related = Related(shown=[], hidden=[], merged_ids=[])
    hidden: dict[str, int] = {}
    for link in links:
        mine = link.source_id == ticket.pk
        other, visible = (link.target, link.target_visible) if mine else (link.source, link.source_visible)
        label = {
            TicketLink.Kind.RELATED: "Related",
            TicketLink.Kind.FOLLOW_UP: "Follow-up of" if mine else "Followed up by",
            TicketLink.Kind.MERGED: "Merged into" if mine else MERGED_FROM,
        }[link.kind]
        if label == MERGED_FROM:
            related.merged_ids.append(other.pk)
        if visible:
            related.shown.append((label, other))
        else:
            hidden[label] = hidden.get(label, 0) + 1
    related.hidden = list(hidden.items())
    return related


def contact_tickets(ticket: Ticket, membership: Membership, limit: int = 10) -> list[Ticket]:
    """The requester's other tickets, from every channel, newest first."""
    shape = ("contact_tickets", limit, None if sees_every_queue(membership) else membership.pk)
    build = functools.partial(_contact_tickets, membership, limit)
    return prepared(shape, build, ticket.contact_id, ticket.pk)


def _contact_tickets(membership: Membership, limit: int, contact_id: int, ticket_id: int):
    return (
        visible_tickets(membership)
        .filter(contact_id=contact_id)
        .exclude(pk=ticket_id)
        .only("id", "tenant_id", "number", "subject", "status", "channel", "created_at")
        .order_by("-created_at")[:limit]
    )


def list_categories() -> list[Category]:
    return list(Category.objects.select_related("parent").order_by("parent_id", "position", "name"))


def ticket_tags(ticket: Ticket) -> list[Tag]:
    """The ticket's tags by name (without a query when get_ticket(page=True) found it has none)."""
    if getattr(ticket, "has_tags", True) is False:
        return []
    return list(Tag.objects.filter(tickettag__ticket=ticket).order_by("name"))


def list_participants(ticket: Ticket) -> list[Contact]:
    """The people copied on the ticket by name (without a query when get_ticket(page=True) found none)."""
    if getattr(ticket, "has_participants", True) is False:
        return []
    return list(ticket.participants.order_by("name", "email"))


@dataclass(frozen=True)
class StaffMember:
    """A colleague as the desk's pickers and @mention lists show them (no model instances: the ticket and
    queue pages list every staff member on each load)."""

    pk: int
    display_name: str
    mention_handle: str


def list_staff_members() -> list[StaffMember]:
    """Active staff of the tenant in scope, by name."""
    rows = list_staff().values_list("pk", "user__full_name", "user__email")
    return [StaffMember(pk, full_name or email, mention_handle_of(email)) for pk, full_name, email in rows]
