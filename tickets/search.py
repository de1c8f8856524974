"""Free-text search of tickets, contacts and organisations; the one database-specific module of the ticket lists.

A query is a ticket reference only with the tenant's own prefix ("ACME-17"): "E-17" is an error code, and
PostgreSQL's parser keeps it (and versions such as 2.4.1, file names such as invoice-2024.pdf) as words that a
websearch query of the same text matches. Otherwise a ticket matches when its subject or messages match (the
tsvector the trigger keeps; GIN index led by tenant; under row-level security it needs ts_match_vq marked
LEAKPROOF to use that index), when its requester matches by name or email (through the contact and the ticket's
contact index: tickets are not indexed again for it), when the requester's organisation matches by name, or when
one of its attachments has a matching file name. Each is one arm of a UNION of ticket ids inside the one ticket
query, so a search costs no query of its own (saved views with a search are counted in the sidebar's one round
trip) and each arm can use its own index. SQLite (the demo): every word must appear in the subject or a message,
case-insensitively.

How the text arm is planned (PostgreSQL): a list shows the first page of matches in its own order (SLA due,
last updated...). Left to itself, PostgreSQL at a million tickets walks the list's order index and tests
`search_vector @@` on each row until it has a page: cheap for a word in half the tickets (a hundred rows), but
for a word in 0.5 % of them it reads 10,000 rows, detoasting each vector (36-179 ms); its capped count reads
1,000 / 0.5 % = 200,000. So the list's search
asks the planner how many tickets the words match (`estimate`: EXPLAIN of the arm and of the list, from the
column statistics, no rows read) and `choose_strategy` picks: INDEX_FIRST (every match from the GIN index, in
a subquery the planner may not flatten, then the page sorted or the order index walked testing only
membership) unless the matches are so many that walking the order and testing each row finds a page far
sooner (WALK). Counts without an order (the sidebar's saved views) keep the planner's own plan and no
estimate, so they still cost no query of their own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from tickets.models import Attachment, Contact, Message, Organisation, Ticket

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


class Strategy(StrEnum):
    """How the text arm of a search joins the list (see the module's docstring)."""

    PLANNER = "planner"  # the arms as one IN (UNION ...): the planner decides (counts without an order)
    INDEX_FIRST = "index_first"  # every text match from the GIN index first, then the list's order
    WALK = "walk"  # the list's order walked, `@@` tested on each row until a page is found


# A list shows a page of 50 rows (it asks for one more to know whether there is a next page) and counts its
# rows up to 1,000 (selectors.capped_counts, it asks for one more to show "1,000+"): two statements, both with
# the search.
PAGE_ROWS = 51
COUNTED_ROWS = 1_001
# Testing a row while walking (a heap visit, detoasting and matching its vector) against taking one match from
# the GIN index (a heap visit, then looked up again by id for the list's columns and order, or hashed for the
# count). Measured at 100,000 tickets on the loaded 2-core machine (bench/search_deciles.py, EXPLAIN ANALYZE):
# a word in 5 % of the tickets, walked: page 86 ms, count 319 ms; index first: 142 and 70 ms.
WALK_ROW_COST = 1.0
# Walk only when it is clearly cheaper: matches are rarely spread evenly along the order (skewed data).
WALK_MARGIN = 1.5
# Up to this many matches the index is always right, whatever the list's size (a sort of 2,000 rows is ~1 ms).
ALWAYS_INDEX = 2_000


@dataclass(frozen=True)
class Estimate:
    """The planner's row estimates: the list being searched, and the tickets of it the words match."""

    rows: float
    matches: float


def choose_strategy(estimate: Estimate, *, page_rows: int = PAGE_ROWS, counted_rows: int = COUNTED_ROWS) -> Strategy:
    """INDEX_FIRST or WALK for a list of `estimate.rows` tickets of which the words match `estimate.matches`.

    Index first, each of the list's two statements takes every match: about 2 * matches. Walking, the page
    tests `page_rows * rows / matches` rows before it has its page and the count `counted_rows * rows / matches`
    before it reaches its cap (if the matches are spread evenly; at most every row), each WALK_ROW_COST. They
    meet where matches ~ sqrt(WALK_ROW_COST * WALK_MARGIN * (page_rows + counted_rows) * rows / 2): at 800,000
    tickets about 25,000 matches (3 %), at 80,000 about 8,000 (10 %): only common words are walked."""
    rows, matches = max(estimate.rows, 0.0), max(estimate.matches, 0.0)
    if matches <= ALWAYS_INDEX or rows <= 0:
        return Strategy.INDEX_FIRST
    walked = min(rows, page_rows * rows / matches) + min(rows, counted_rows * rows / matches)
    if walked * WALK_ROW_COST * WALK_MARGIN < 2 * matches:
        return Strategy.WALK
    return Strategy.INDEX_FIRST


def crossover(rows: float, *, page_rows: int = PAGE_ROWS, counted_rows: int = COUNTED_ROWS) -> float:
    """About the number of matches above which a list of `rows` tickets is walked (for reports and tests)."""
    return math.sqrt(WALK_ROW_COST * WALK_MARGIN * (page_rows + counted_rows) * max(rows, 0.0) / 2)


def search_tickets(tickets: QuerySet, query: str, *, prefix: str | None, strategy: Strategy | None = None) -> QuerySet:
    """The tickets of `tickets` that `query` finds: by reference, else by text, requester, organisation or
    attachment name (any of them). `tickets` already passed visible_tickets and the list's other filters: the
    arms only name ids. `strategy`: None chooses by the planner's estimate (two EXPLAINs, no rows read), for a
    list shown in an order (and the matching requesters read once, a third query); Strategy.PLANNER costs no
    query (a count)."""
    query = clean_query(query)
    if not query:
        return tickets
    number = reference_number(query, prefix)
    if number is not None:
        return tickets.filter(number=number)
    others = [Attachment.objects.filter(filename__icontains=query).values("ticket_id")]
    others += _requester_arm(query, ahead=strategy is None and connection.vendor == "postgresql")
    if query.isdigit() and int(query) <= MAX_NUMBER:
        others.append(Ticket.objects.filter(number=int(query)).values("pk"))
    if connection.vendor != "postgresql":
        return tickets.filter(pk__in=_text_matches_sqlite(query).union(*others))
    words = text_query(query)
    if strategy is None:
        strategy = choose_strategy(estimate(tickets, words))
    if strategy == Strategy.WALK:
        first, *rest = others
        return tickets.filter(Q(search_vector=words) | Q(pk__in=first.union(*rest)))
    matches = Ticket.objects.filter(search_vector=words).values("pk").union(*others)
    if strategy == Strategy.PLANNER:
        return tickets.filter(pk__in=matches)
    sql, params = matches.query.sql_with_params()
    # OFFSET 0: the planner may not flatten the subquery nor push the list's rows into it, so the GIN index
    # yields the matches once and each row of the list is then only looked up in them.
    return tickets.filter(pk__in=RawSQL(f"SELECT * FROM ({sql}) AS matches OFFSET 0", params))  # noqa: S608, S611 - SQL compiled by Django


# A list's search reads the matching requesters once, ahead of the list's two statements (its page and its
# count), which then each look their tickets up by id instead of scanning the contacts again (a substring match:
# every contact of the tenant is read). Past this many, the scan stays inside the statements.
MAX_REQUESTERS_AHEAD = 500


def _requester_arm(query: str, *, ahead: bool) -> list[QuerySet]:
    if not ahead:
        return [Ticket.objects.filter(contact__in=matching_contacts(query)).values("pk")]
    found = list(matching_contacts(query).values_list("pk", flat=True)[: MAX_REQUESTERS_AHEAD + 1])
    if len(found) > MAX_REQUESTERS_AHEAD:
        return [Ticket.objects.filter(contact__in=matching_contacts(query)).values("pk")]
    return [Ticket.objects.filter(contact_id__in=found).values("pk")] if found else []


def text_query(query: str) -> SearchQuery:
    """The words as PostgreSQL reads a search box: quoted phrases, OR, -excluded (websearch_to_tsquery)."""
    return SearchQuery(query, config="simple", search_type="websearch")


def estimate(tickets: QuerySet, words: SearchQuery) -> Estimate:
    """The planner's estimate of the rows of `tickets` and of those `words` match, from the statistics
    (ALTER ... SET STATISTICS 1000 on search_vector keeps the common words' frequencies); nothing is read."""
    return Estimate(
        rows=_planned_rows(tickets.order_by().values("pk")),
        matches=_planned_rows(tickets.filter(search_vector=words).order_by().values("pk")),
    )


def _planned_rows(queryset: QuerySet) -> float:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _text_matches_sqlite(query: str) -> QuerySet:
    condition = Q()
    for word in query.split()[:10]:
        word = word.strip("\"'")
        if word and not word.startswith("-"):
            in_messages = Exists(Message.objects.filter(ticket=OuterRef("pk"), body_html__icontains=word))
            condition &= Q(subject__icontains=word) | Q(in_messages)
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
