"""Facts about tickets as the conditions read them: for one ticket (the engine, the editor's test) and for many in
a few set-based queries (the simulator), so both decide from the same values.

The first message's body comes with the ticket's row (a subquery for its sanitised HTML, turned into plain text
here), so no query per message is run. The simulator asks only for the facts its rules read (`reads`, declared by
each condition type): the columns, the first message, the tags and the follow-up links it does not need are not
fetched, and the facts it does not read keep empty values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db.models import OuterRef, QuerySet, Subquery

from routing.conditions import ALL_FACTS, Facts
from tickets.content import html_to_plain_text
from tickets.models import Contact, Message, Ticket, TicketLink, TicketTag

FACT_COLUMNS = (
    "id",
    "channel",
    "received_address",
    "category_id",
    "subcategory_id",
    "priority",
    "queue_id",
    "subject",
    "first_body",
    "contact__email",
    "contact__tier",
    "contact__organisation_id",
    "custom_fields",
    "created_at",
)


# What the simulator counts by, read whatever the rules read.
ALWAYS = ("id", "queue_id", "priority", "category_id")
# The columns behind each fact (tags, follow-ups and the requester's columns come from their own queries: joining
# the requesters to a long range of tickets is left to a planner that may misjudge it).
COLUMNS_OF = {
    "channel": ("channel",),
    "received_address": ("received_address",),
    "subcategory_id": ("subcategory_id",),
    "subject": ("subject",),
    "body": ("first_body",),
    "email": ("contact_id",),
    "tier": ("contact_id",),
    "organisation_id": ("contact_id",),
    "custom_fields": ("custom_fields",),
    "created_at": ("created_at",),
}


# A ticket without a requester reads as the join would have it.
NO_CONTACT = {"contact__email": None, "contact__tier": None, "contact__organisation_id": None}


def _with_first_body(tickets: QuerySet) -> QuerySet:
    first = Message.objects.filter(ticket=OuterRef("pk")).order_by("created_at", "id").values("body_html")[:1]
    return tickets.annotate(first_body=Subquery(first))


def _facts(row: dict, tags: frozenset[str], follow_up: bool) -> Facts:
    """Facts from a row of FACT_COLUMNS, or of the columns some facts need (the others stay empty)."""
    get = row.get
    return Facts(
        ticket_id=row["id"],
        channel=get("channel", ""),
        received_address=get("received_address") or "",
        category_id=row["category_id"],
        subcategory_id=get("subcategory_id"),
        priority=row["priority"],
        queue_id=row["queue_id"],
        subject=get("subject", ""),
        body=html_to_plain_text(get("first_body") or ""),
        email=(get("contact__email") or "").casefold(),
        tier=get("contact__tier", ""),
        organisation_id=get("contact__organisation_id"),
        tags=tags,
        custom_fields=get("custom_fields") or {},
        created_at=get("created_at"),
        is_follow_up=follow_up,
    )


def facts_for(ticket_id: int) -> Facts:
    """One ticket's facts (three queries: the ticket with its requester, its tags, whether it is a follow-up)."""
    row = _with_first_body(Ticket.objects.filter(pk=ticket_id)).values(*FACT_COLUMNS).get()
    tags = frozenset(
        name.casefold() for name in TicketTag.objects.filter(ticket_id=ticket_id).values_list("tag__name", flat=True)
    )
    follow_up = TicketLink.objects.filter(source_id=ticket_id, kind=TicketLink.Kind.FOLLOW_UP).exists()
    return _facts(row, tags, follow_up)


def facts_of(tickets: QuerySet, *, reads: Iterable[str] | None = None, chunk: int = 2000) -> Iterator[Facts]:
    """Facts for every ticket of `tickets`, in no particular order: one query streamed through a server-side cursor
    (call inside a transaction, so it streams instead of being materialised), one for the tags and one for the
    follow-up links of all of them, each only when `reads` (the Facts fields wanted; all when None) needs it, and
    the requesters' columns once per requester (per `chunk` tickets, the requesters not met before)."""
    reads = ALL_FACTS if reads is None else frozenset(reads)
    columns = list(ALWAYS)
    for name in sorted(reads):
        columns.extend(column for column in COLUMNS_OF.get(name, ()) if column not in columns)
    no_tags: frozenset[str] = frozenset()
    # Requesters repeat across tickets: each is read once per run.
    with_contacts = "contact_id" in columns
    contact_at = columns.index("contact_id") if with_contacts else 0
    contacts: dict[int, dict] = {}
    # Tags and follow-up links of the whole range, one semi-join each (a chunk's ids as a list would be compared
    # row by row), before the stream starts.
    tags: dict[int, set[str]] = defaultdict(set)
    if "tags" in reads:
        tagged = TicketTag.objects.filter(ticket_id__in=tickets.order_by().values("pk"))
        for ticket_id, name in tagged.values_list("ticket_id", "tag__name").iterator(chunk_size=chunk):
            tags[ticket_id].add(name.casefold())
    follow_ups: set[int] = set()
    if "is_follow_up" in reads:
        follow_ups = set(
            TicketLink.objects.filter(
                source_id__in=tickets.order_by().values("pk"), kind=TicketLink.Kind.FOLLOW_UP
            ).values_list("source_id", flat=True)
        )
    if "first_body" in columns:
        tickets = _with_first_body(tickets)
    rows = tickets.order_by().values_list(*columns).iterator(chunk_size=chunk)
    while batch := list(islice(rows, chunk)):
        if with_contacts:
            unknown = {row[contact_at] for row in batch} - contacts.keys() - {None}
            for pk, *values in Contact.objects.filter(pk__in=unknown).values_list(
                "pk", "email", "tier", "organisation_id"
            ):
                contacts[pk] = dict(zip(NO_CONTACT, values, strict=True))
        for row in batch:
            ticket_id = row[0]
            values = dict(zip(columns, row, strict=True))
            if with_contacts:
                values.update(contacts.get(values["contact_id"], NO_CONTACT))
            found = tags.get(ticket_id)
            yield _facts(values, frozenset(found) if found else no_tags, ticket_id in follow_ups)
