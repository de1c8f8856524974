"""Free-text search of tickets, contacts and organisations; the one database-specific module of the ticket lists.

A query is a ticket reference only with the tenant's own prefix ("ACME-17"): "E-17" is an error code, and
PostgreSQL's parser keeps it (and versions such as 2.4.1, file names such as invoice-2024.pdf) as words that a
websearch query of the same text matches. Otherwise a ticket matches when its subject or messages match (the
tsvector the trigger keeps; GIN index led by tenant; under row-level security it needs ts_match_vq marked
LEAKPROOF to use that index), when its requester has, for each word of the query, a word of their name or address
starting with it ("whit" finds Dana Whitfield; a substring scan of every contact cost 47 ms at 54,000 contacts),
when the requester's organisation's name contains the query, or when one of its attachments' file names does.
A count without an order (saved views in the sidebar's one round trip) takes the arms as one UNION of ticket ids
inside the ticket query, so it costs no query of its own. SQLite (the demo): every word must appear in the
subject or a message, and a requester matches when each word appears in their name or address, case-insensitively.

How the list's search is planned (PostgreSQL): a list shows the first page of matches in its own order (SLA due,
last updated...) and counts them up to 1,000. The requesters (matched by the words of their name and address,
from the contacts' own GIN index) and the tickets of matching attachments are read once, in one query, and
passed to the list's two statements as ids, so every arm of the search is a condition an index answers and
PostgreSQL ORs their bitmaps: each matching ticket is read once. Left to itself, PostgreSQL at a million tickets
still walks the list's order index and tests `search_vector @@` on each row until it has a page whenever it
believes the matches are dense enough: right for a word in a tenth of the tickets (a few hundred rows), but for
a word in 0.3 % of them it reads 17,000 rows. So the list's search asks the planner how many tickets the words
match (`estimate`: EXPLAIN of the arm and of the list, from the column statistics, no rows read) and
`choose_strategy` picks: INDEX_FIRST (a condition the planner cannot estimate makes the walk look as costly as
it is: the page comes from the bitmaps, sorted) unless the matches are so many that walking the order finds a
page far sooner (WALK: the planner free). INDEX_FIRST counts its matches in the page's statement (it reads them
all anyway); a walked list is not counted past its page (`skips_count`: it says "1-50 of many"), since counting
1,001 matches of common words costs 5-8 times the walked page whatever the plan. Counts without an order (the
sidebar's saved views) keep the arms as subqueries and no estimate, so they cost no query of their own.

Its parts: the search box's text (tickets.search_text), the plan (tickets.search_plan) and the requesters
(tickets.search_requesters); this module names all their public names, which its importers and tests use.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from tenancy.context import current_tenant_id
from tenancy.db.lookups import AnyOf
from tickets.models import Attachment, Message, Ticket
from tickets.search_plan import (
    ALWAYS_INDEX,
    LIST_ROWS_SECONDS,
    PAGE_ROWS,
    PHRASE_SHARE,
    WALK_MARGIN,
    WALK_ROW_COST,
    Estimate,
    Strategy,
    choose_strategy,
    crossover,
    estimate,
    forget_list_sizes,
)
from tickets.search_requesters import EMAIL, REQUESTER_WORD, matching_contacts, matching_organisations, requester_words
from tickets.search_text import MAX_QUERY, PHRASE, WithPhrasePairs, clean_query, pair_phrases, text_query
from tickets.search_words import only_common_words, searchable_words

__all__ = [
    "ALWAYS_INDEX",
    "COUNT_FROM_INDEX",
    "EMAIL",
    "INDEX_FIRST_FENCE",
    "LIST_ROWS_SECONDS",
    "MAX_AHEAD",
    "MAX_NUMBER",
    "MAX_QUERY",
    "PAGE_ROWS",
    "PHRASE",
    "PHRASE_SHARE",
    "REFERENCE",
    "REQUESTER_WORD",
    "WALKED",
    "WALK_MARGIN",
    "WALK_ROW_COST",
    "Estimate",
    "Strategy",
    "WithPhrasePairs",
    "choose_strategy",
    "clean_query",
    "crossover",
    "estimate",
    "for_count",
    "forget_list_sizes",
    "matching_contacts",
    "matching_organisations",
    "pair_phrases",
    "reads_every_match",
    "reference_number",
    "requester_words",
    "search_tickets",
    "skips_count",
    "text_query",
]

REFERENCE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,18})$")
MAX_NUMBER = 2**63 - 1


def reference_number(query: str, prefix: str | None) -> int | None:
    """The ticket number `query` names with the tenant's own `prefix` ("ACME-17", any case), else None."""
    match = REFERENCE.match(clean_query(query))
    if not match or not prefix or match.group(1).upper() != prefix.upper():
        return None
    number = int(match.group(2))
    return number if number <= MAX_NUMBER else None


def search_tickets(tickets: QuerySet, query: str, *, prefix: str | None, strategy: Strategy | None = None) -> QuerySet:
    """The tickets of `tickets` that `query` finds: by reference, else by text, requester, organisation or
    attachment name (any of them). `tickets` already passed visible_tickets and the list's other filters: the
    arms only name ids. `strategy`: None chooses by the planner's estimate (two EXPLAINs, no rows read), for a
    list shown in an order, after reading the matching requesters and attachments once (a third query);
    Strategy.PLANNER costs no query (a count)."""
    query = clean_query(query)
    if not query:
        return tickets
    number = reference_number(query, prefix)
    if number is not None:
        return tickets.filter(number=number)
    if connection.vendor != "postgresql":
        return tickets.filter(pk__in=_text_matches_sqlite(query).union(*_other_arms(query)))
    words = text_query(query)
    if strategy == Strategy.PLANNER:
        return tickets.filter(pk__in=Ticket.objects.filter(search_vector=words).values("pk").union(*_other_arms(query)))
    found = _others_ahead(query)
    if strategy is None:
        strategy = choose_strategy(estimate(tickets, words, phrase=bool(PHRASE.search(query))))
    if found is None:
        return _with_other_arms_inside(tickets, query, words, strategy)
    contacts, ticket_ids = found
    # Every arm is a condition an index answers (the GIN index, the tickets' (tenant, contact) index, the
    # primary key, (tenant, number)): PostgreSQL can OR their bitmaps and read each matching ticket once.
    condition = Q(search_vector=words)
    if contacts:
        condition |= Q(AnyOf(F("contact_id"), contacts))
    if ticket_ids:
        condition |= Q(AnyOf(F("id"), ticket_ids))
    if query.isdigit() and int(query) <= MAX_NUMBER:
        condition |= Q(number=int(query))
    found_tickets = tickets.filter(condition)
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return found_tickets
    if strategy == Strategy.WALK:
        found_tickets = found_tickets.alias(**{WALKED: Value(True)})
        if PHRASE.search(query):
            # The planner estimates a phrase as all of its words (90,000 for two common ones) where few stand
            # together (2,261): the unordered count it plans then scans the table for 1,001 matches (360,000
            # rows, 0.7-1.5 s at a million tickets); from the words' bitmap it reads 40,000 candidates (0.4 s).
            return found_tickets.alias(**{COUNT_FROM_INDEX: F("tenant_id") + 0})
        return found_tickets
    # INDEX_FIRST. Left to itself, the planner walks the list's order index and tests each row whenever it
    # believes a page of matches lies within a few thousand rows; for a word in 0.3-1 % of the tickets that
    # walk reads 5,000-20,000 rows. `tenant_id + 0 = <the tenant>` is true of every row of the list (each is
    # the tenant's) but the planner, which has no statistics on the expression, takes it to keep 0.5 % of
    # them: the walk then looks as costly as it is, and the matches come from the bitmaps, each read once,
    # then sorted (the page) or counted up to the cap (the count).
    return found_tickets.alias(**{INDEX_FIRST_FENCE: F("tenant_id") + 0}).filter(**{INDEX_FIRST_FENCE: tenant_id})


# The alias of INDEX_FIRST's condition (above): a list that carries it reads every match for its page anyway.
INDEX_FIRST_FENCE = "search_index_first"


# The alias a walked phrase carries (above): counted, it takes INDEX_FIRST's condition.
COUNT_FROM_INDEX = "search_count_from_index"
# The alias every walked search carries: the list leaves its count unknown past the page (skips_count).
WALKED = "search_walked"


def for_count(tickets: QuerySet) -> QuerySet:
    """`tickets` as the list's count should read them: a walked phrase from the words' bitmaps (see above)."""
    if COUNT_FROM_INDEX in tickets.query.annotations:
        return tickets.filter(**{COUNT_FROM_INDEX: current_tenant_id()})
    return tickets


def skips_count(tickets: QuerySet) -> bool:
    """Whether the list should not count `tickets` past its page (a search planned WALK): it says "of many".

    A walk is chosen because its words match so many tickets that a page lies within a few thousand rows of the
    list's order; counting them up to the cap is another matter. For 1,001 of them the count reads the words'
    whole posting lists from the GIN index (two words in a fifth of the tickets each: 350,000 entries, 20-28 ms
    of the database's CPU at a million tickets) or tests 1,001 / share rows (28,000 for a share of 3.5 %, the
    same or more): 5-8 times the page's own cost (3.7 ms), for a number above the cap anyway whenever the
    estimate that chose the walk was right. A page that shows the list's end still knows its count."""
    return WALKED in tickets.query.annotations


def reads_every_match(tickets: QuerySet) -> bool:
    """Whether the list's page, in any order, reads every row of `tickets` (a search planned INDEX_FIRST): its
    statement can then count them too (a window count), and no second statement need read them again."""
    return INDEX_FIRST_FENCE in tickets.query.annotations


def _other_arms(query: str) -> list[QuerySet]:
    """The requester, attachment and number arms as subqueries of ticket ids (no query of their own)."""
    arms = [
        Attachment.objects.filter(filename__icontains=query).values("ticket_id"),
        Ticket.objects.filter(contact__in=matching_contacts(query)).values("pk"),
    ]
    if query.isdigit() and int(query) <= MAX_NUMBER:
        arms.append(Ticket.objects.filter(number=int(query)).values("pk"))
    return arms


# A list's search reads the matching requesters and the tickets of matching attachments once, ahead of the
# list's two statements (its page and its count), which then pass them as ids. Past this many of either, they
# stay subqueries inside the statements.
MAX_AHEAD = 500
_CONTACT, _ATTACHMENT = 1, 2


def _others_ahead(query: str) -> tuple[list[int], list[int]] | None:
    """(contact ids, ticket ids of attachments) that `query` matches, in one query; None when too many."""
    contacts = matching_contacts(query).annotate(kind=Value(_CONTACT)).values_list("kind", "pk")
    files = (
        Attachment.objects.filter(filename__icontains=query)
        .annotate(kind=Value(_ATTACHMENT))
        .values_list("kind", "ticket_id")
    )
    rows = list(contacts.order_by()[: MAX_AHEAD + 1].union(files.order_by()[: MAX_AHEAD + 1], all=True))
    contact_ids = [pk for kind, pk in rows if kind == _CONTACT]
    ticket_ids = sorted({pk for kind, pk in rows if kind == _ATTACHMENT})
    if len(contact_ids) > MAX_AHEAD or len(rows) - len(contact_ids) > MAX_AHEAD:
        return None
    return contact_ids, ticket_ids


def _with_other_arms_inside(tickets: QuerySet, query: str, words: SearchQuery, strategy: Strategy) -> QuerySet:
    """The search when too many requesters or attachments match to pass them as ids: the arms as subqueries."""
    if strategy == Strategy.WALK:
        first, *rest = _other_arms(query)
        return tickets.filter(Q(search_vector=words) | Q(pk__in=first.union(*rest))).alias(**{WALKED: Value(True)})
    sql, params = (
        Ticket.objects.filter(search_vector=words).values("pk").union(*_other_arms(query)).query.sql_with_params()
    )
    # OFFSET 0: the planner may not flatten the subquery nor push the list's rows into it, so the GIN index
    # yields the matches once and each row of the list is then only looked up in them.
    return tickets.filter(pk__in=RawSQL(f"SELECT * FROM ({sql}) AS matches OFFSET 0", params))  # noqa: S608, S611 - SQL compiled by Django


def _text_matches_sqlite(query: str) -> QuerySet:
    condition = Q()
    for word in searchable_words(query)[:10]:
        word = word.strip("\"'")
        if word and not word.startswith("-"):
            in_messages = Exists(Message.objects.filter(ticket=OuterRef("pk"), body_html__icontains=word))
            condition &= Q(subject__icontains=word) | Q(in_messages)
    if not condition and only_common_words(query):
        return Ticket.objects.none().values("pk")  # as on PostgreSQL: stop words alone match no ticket by its words
    return Ticket.objects.filter(condition).values("pk")
