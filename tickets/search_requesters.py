"""The requesters a search finds: contacts by whole address, or by the words of their name and address (each word
of the query the start of one of theirs), and the people of the organisations whose name contains the query."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from tickets.models import Contact, Organisation
from tickets.search_text import clean_query

# A whole address: looked up by the contacts' (tenant, email) index rather than scanned for.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A requester's words: what the contacts' trigger indexes (migrations/0021_search_requesters).
REQUESTER_WORD = re.compile(r"[^\W_]+")


def matching_organisations(query: str) -> QuerySet[Organisation]:
    query = clean_query(query)
    if not query or EMAIL.match(query):
        return Organisation.objects.none()
    return Organisation.objects.filter(name__icontains=query)


def requester_words(query: str) -> list[str]:
    """The query's words as a requester is indexed: runs of letters and digits, lower-cased (at most ten)."""
    return REQUESTER_WORD.findall(query.lower())[:10]


def matching_contacts(query: str) -> QuerySet[Contact]:
    """Contacts by whole email address (the index), else those with a word of their name or address starting
    with each word of the query ("whit" finds Dana Whitfield, "newco" dana@newco.example), and the people of
    the organisations whose name contains the query. SQLite (the demo) matches each word anywhere."""
    query = clean_query(query)
    if not query:
        return Contact.objects.none()
    if EMAIL.match(query):
        return Contact.objects.filter(email=query.lower())
    words = requester_words(query)
    if not words:
        by_words = Contact.objects.none()
    elif connection.vendor == "postgresql":
        # Each word quoted (letters and digits only, so nothing in it is tsquery syntax), then ':*' for a prefix.
        prefixes = SearchQuery(" & ".join(f"'{word}':*" for word in words), config="simple", search_type="raw")
        by_words = Contact.objects.filter(search_vector=prefixes)
    else:
        by_words = Contact.objects.filter(*(Q(name__icontains=word) | Q(email__icontains=word) for word in words))
    # A union, not an OR: each side then uses its own index (the GIN index, the contacts' (tenant, organisation)).
    of_organisations = Contact.objects.filter(organisation__in=matching_organisations(query))
    return Contact.objects.filter(pk__in=by_words.values("pk").union(of_organisations.values("pk")))
