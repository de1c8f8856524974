"""The desk's one search: tickets, contacts and organisations a staff member may see, for the results page.

Tickets come through visible_tickets (the "all" view: every ticket the member may see, spam aside); contacts and
organisations through the same rule: an agent limited to their teams' queues finds only the requesters of
tickets they may see, and only their organisations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from tenancy.models import Membership
from tickets.models import Contact, Organisation, Ticket
from tickets.search import (
    clean_query,
    matching_contacts,
    matching_organisations,
    reference_number,
    search_tickets,
    skips_count,
)
from tickets.selectors import (
    COUNT_CAP,
    capped_counts,
    list_row_values,
    sees_every_queue,
    view_tickets,
    visible_tickets,
)

TICKETS_SHOWN = 25
PEOPLE_SHOWN = 10


@dataclass
class DeskSearch:
    query: str
    tickets: list[dict]  # newest activity first, the list columns (selectors.list_row_values)
    ticket_count: int | None  # capped at COUNT_CAP (+1 means "more"); None: not counted, more than shown
    contacts: list[Contact]
    organisations: list[Organisation]


def find_reference(membership: Membership, query: str, *, prefix: str) -> Ticket | None:
    """The ticket `query` names by reference ("ACME-17"), if the member may see it."""
    number = reference_number(query, prefix)
    if number is None:
        return None
    return visible_tickets(membership).filter(number=number).only("id", "tenant_id", "number").first()


def search_desk(membership: Membership, query: str, *, prefix: str) -> DeskSearch:
    """Everything `query` finds for this member, in a fixed number of queries whatever the rows."""
    query = clean_query(query)
    if not query:
        return DeskSearch(query, [], 0, [], [])
    found = search_tickets(view_tickets(membership, "all"), query, prefix=prefix)
    # One more than shown: a walked search (common words, tickets.search.skips_count) is not counted, and then
    # says "many" only when there are more than these.
    ids = list(found.order_by("-updated_at", "-id").values_list("pk", flat=True)[: TICKETS_SHOWN + 1])
    if skips_count(found):
        count = len(ids) if len(ids) <= TICKETS_SHOWN else None
    else:
        count = capped_counts({"tickets": found})["tickets"]
    ids = ids[:TICKETS_SHOWN]
    order = {pk: index for index, pk in enumerate(ids)}
    tickets = sorted(list_row_values(ids), key=lambda row: order[row["id"]]) if ids else []
    contacts = _visible_contacts(membership, matching_contacts(query))
    organisations = _visible_organisations(membership, matching_organisations(query))
    return DeskSearch(
        query=query,
        tickets=tickets,
        ticket_count=count,
        contacts=list(
            contacts.select_related("organisation")
            .only("id", "tenant_id", "name", "email", "phone", "tier", "organisation__name")
            .order_by("name", "email", "id")[:PEOPLE_SHOWN]
        ),
        organisations=list(organisations.only("id", "tenant_id", "name", "domain").order_by("name")[:PEOPLE_SHOWN]),
    )


def _visible_contacts(membership: Membership, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    if sees_every_queue(membership):
        return contacts
    return contacts.filter(Exists(visible_tickets(membership).filter(contact=OuterRef("pk"))))


def _visible_organisations(membership: Membership, organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    if sees_every_queue(membership):
        return organisations
    return organisations.filter(Exists(visible_tickets(membership).filter(contact__organisation=OuterRef("pk"))))


__all__ = ["COUNT_CAP", "DeskSearch", "find_reference", "search_desk"]
