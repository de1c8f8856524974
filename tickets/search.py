"""Free-text search of tickets, contacts and organisations; the one database-specific module of the ticket lists.

A query is a ticket reference only with the tenant's own prefix ("ACME-17"): "E-17" is an error code, and
PostgreSQL's parser keeps it (and versions such as 2.4.1, file names such as invoice-2024.pdf) as words that a
websearch query of the same text matches. Otherwise a ticket matches when its subject or messages match (the
tsvector the trigger keeps; GIN index led by tenant; under row-level security it needs ts_match_vq marked
LEAKPROOF to use that index), when its requester matches by name or email (through the contact and the ticket's
contact index: tickets are not indexed again for it), when the requester's organisation matches by name, or when
one of its attachments has a matching file name. Each is one arm of a UNION of ticket ids inside the one ticket
query, so a search costs no query of its own (saved views with a search are counted in the sidebar's one round
trip) and each arm can use its own index. SQLite (the demo): every word must appear in the subject or the text,
case-insensitively.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from tickets.models import Attachment, Contact, Organisation, Ticket

MAX_QUERY = 200
REFERENCE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,18})$")
# A whole address: looked up by the contacts' (tenant, email) index rather than scanned for.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NUMBER = 2**63 - 1


def clean_query(query: str) -> str:
    return " ".join((query or "").split())[:MAX_QUERY]


def reference_number(query: str, prefix: str | None) -> int | None:
    """The ticket number `query` names with the tenant's own `prefix` ("ACME-17", any case), else None."""
    match = REFERENCE.match(clean_query(query))
    if not match or not prefix or match.group(1).upper() != prefix.upper():
        return None
    number = int(match.group(2))
    return number if number <= MAX_NUMBER else None


def search_tickets(tickets: QuerySet, query: str, *, prefix: str | None) -> QuerySet:
    """The tickets of `tickets` that `query` finds: by reference, else by text, requester, organisation or
    attachment name (any of them). `tickets` already passed visible_tickets: the arms only name ids."""
    query = clean_query(query)
    if not query:
        return tickets
    number = reference_number(query, prefix)
    if number is not None:
        return tickets.filter(number=number)
    arms = [_text_matches(query), Ticket.objects.filter(contact__in=matching_contacts(query)).values("pk")]
    arms.append(Attachment.objects.filter(filename__icontains=query).values("ticket_id"))
    if query.isdigit() and int(query) <= MAX_NUMBER:
        arms.append(Ticket.objects.filter(number=int(query)).values("pk"))
    first, *others = arms
    return tickets.filter(pk__in=first.union(*others))


def _text_matches(query: str) -> QuerySet:
    if connection.vendor == "postgresql":
        return Ticket.objects.filter(search_vector=SearchQuery(query, config="simple", search_type="websearch")).values(
            "pk"
        )
    condition = Q()
    for word in query.split()[:10]:
        word = word.strip("\"'")
        if word and not word.startswith("-"):
            condition &= Q(subject__icontains=word) | Q(search_text__icontains=word)
    return Ticket.objects.filter(condition).values("pk")


def matching_organisations(query: str) -> QuerySet[Organisation]:
    query = clean_query(query)
    if not query or EMAIL.match(query):
        return Organisation.objects.none()
    return Organisation.objects.filter(name__icontains=query)


def matching_contacts(query: str) -> QuerySet[Contact]:
    """Contacts by whole email address (the index), else by part of their name or address or their
    organisation's name."""
    query = clean_query(query)
    if not query:
        return Contact.objects.none()
    if EMAIL.match(query):
        return Contact.objects.filter(email=query.lower())
    return Contact.objects.filter(
        Q(name__icontains=query) | Q(email__icontains=query) | Q(organisation__in=matching_organisations(query))
    )
