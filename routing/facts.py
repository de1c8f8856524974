"""Facts about tickets as the conditions read them: for one ticket (the engine, the editor's test) and for many in
a few set-based queries (the simulator), so both decide from the same values.

The first message's body comes with the ticket's row (a subquery for its sanitised HTML, turned into plain text
here), so no query per message is run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import OuterRef, QuerySet, Subquery

from routing.conditions import Facts
from tickets.content import html_to_plain_text
from tickets.models import Message, Ticket, TicketLink, TicketTag

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


def _with_first_body(tickets: QuerySet) -> QuerySet:
    first = Message.objects.filter(ticket=OuterRef("pk")).order_by("created_at", "id").values("body_html")[:1]
    return tickets.annotate(first_body=Subquery(first))


def _facts(row: dict, tags: frozenset[str], follow_up: bool) -> Facts:
    return Facts(
        ticket_id=row["id"],
        channel=row["channel"],
        received_address=row["received_address"] or "",
        category_id=row["category_id"],
        subcategory_id=row["subcategory_id"],
        priority=row["priority"],
        queue_id=row["queue_id"],
        subject=row["subject"],
        body=html_to_plain_text(row["first_body"] or ""),
        email=(row["contact__email"] or "").casefold(),
        tier=row["contact__tier"],
        organisation_id=row["contact__organisation_id"],
        tags=tags,
        custom_fields=row["custom_fields"] or {},
        created_at=row["created_at"],
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


def facts_of(tickets: QuerySet, *, chunk: int = 5000) -> Iterator[Facts]:
    """Facts for every ticket of `tickets`, in chunks of `chunk` tickets: three queries a chunk, whatever the size."""
    after = 0
    while True:
        rows = list(_with_first_body(tickets.filter(pk__gt=after)).order_by("pk").values(*FACT_COLUMNS)[:chunk])
        if not rows:
            return
        ids = [row["id"] for row in rows]
        after = ids[-1]
        tags: dict[int, set[str]] = defaultdict(set)
        for ticket_id, name in TicketTag.objects.filter(ticket_id__in=ids).values_list("ticket_id", "tag__name"):
            tags[ticket_id].add(name.casefold())
        follow_ups = set(
            TicketLink.objects.filter(source_id__in=ids, kind=TicketLink.Kind.FOLLOW_UP).values_list(
                "source_id", flat=True
            )
        )
        for row in rows:
            yield _facts(row, frozenset(tags.get(row["id"], ())), row["id"] in follow_ups)
        if len(rows) < chunk:
            return
