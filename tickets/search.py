"""Free-text search over subject and messages; the one database-specific module of the ticket lists.

PostgreSQL: a websearch query against the tsvector the trigger keeps (GIN index led by tenant; under
row-level security it needs ts_match_vq marked LEAKPROOF to use that index). SQLite (the demo): every word
must appear in the subject or the text, case-insensitively.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

REFERENCE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9]{0,9}-)?(\d{1,18})$")
MAX_QUERY = 200


def search_tickets(tickets: QuerySet, query: str) -> QuerySet:
    query = " ".join(query.split())[:MAX_QUERY]
    if not query:
        return tickets
    reference = REFERENCE.match(query)
    if reference:
        return tickets.filter(number=int(reference.group(1)))
    if connection.vendor == "postgresql":
        return tickets.filter(search_vector=SearchQuery(query, config="simple", search_type="websearch"))
    condition = Q()
    for word in query.split()[:10]:
        word = word.strip("\"'")
        if word and not word.startswith("-"):
            condition &= Q(subject__icontains=word) | Q(search_text__icontains=word)
    return tickets.filter(condition)
