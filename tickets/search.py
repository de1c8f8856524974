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
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.postgres.search import SearchQuery, SearchQueryField
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from tenancy.context import current_tenant_id
from tenancy.db.lookups import AnyOf
from tenancy.process_copies import ProcessCopies
from tickets.models import Attachment, Contact, Message, Organisation, Ticket
from tickets.search_words import SEARCH_CONFIG, only_common_words, searchable_words

MAX_QUERY = 200
REFERENCE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,18})$")
# A whole address: looked up by the contacts' (tenant, email) index rather than scanned for.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NUMBER = 2**63 - 1
# A requester's words: what the contacts' trigger indexes (migrations/0021_search_requesters).
REQUESTER_WORD = re.compile(r"[^\W_]+")


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
    INDEX_FIRST = "index_first"  # every match from the indexes' bitmaps, read once, then the list's order
    WALK = "walk"  # the planner free to walk the list's order, testing each row until a page is found


# A list shows a page of 50 rows (it asks for one more to know whether there is a next page) and counts its
# rows up to 1,000 (selectors.capped_counts). Only the page is costed: INDEX_FIRST counts in the page's statement
# the matches it reads anyway, and a walked list is not counted past its page (skips_count).
PAGE_ROWS = 51
# Testing a row while walking (an index entry, a heap visit and matching its vector) against taking a match
# from the bitmaps (a heap visit, other tenants' matches skipped, the sort). Measured at 1,000,000 tickets on
# the 2-core machine (811,493 in the tenant, warm cache): a word in 0.7 % of them (5,506 matches) walked
# 7,121 rows in 22 ms (3.1 us a row); from the bitmaps 21 ms (3.5 us a match).
WALK_ROW_COST = 0.9
# Walk only when it is clearly cheaper: matches are rarely spread evenly along the order (skewed data), and a
# walk that finds them late reads far more rows than the estimate; the bitmaps read what they read.
WALK_MARGIN = 1.5
# Up to this many matches the index is always right, whatever the list's size (a sort of 2,000 rows is ~1 ms).
ALWAYS_INDEX = 2_000


@dataclass(frozen=True)
class Estimate:
    """The planner's row estimates: the list being searched, and the tickets of it the words match."""

    rows: float
    matches: float  # the index's candidates: for a phrase, the tickets holding all its words anywhere
    phrase: bool = False


# A phrase's candidates (its words anywhere in a ticket) are what the index yields and what INDEX_FIRST reads,
# but the walk stops at a page of tickets that hold the words together, which can be few: two common words that
# rarely stand together ("xanvexthox xanvelvelx" in the Zipf bench: 747 of 35,383 candidates, 2 %) walk 55,000
# rows. The walk is costed as if this share of the candidates matched: bounded, the index's read is taken unless
# the candidates are many (over ~55,000 of 800,000 tickets), where common words are likely to stand together too.
PHRASE_SHARE = 0.02


def choose_strategy(estimate: Estimate, *, page_rows: int = PAGE_ROWS) -> Strategy:
    """INDEX_FIRST or WALK for a list of `estimate.rows` tickets of which the words match `estimate.matches`.

    Index first, the page reads every match once: `matches`. Walking, it tests `page_rows * rows / matches`
    rows before it has its page (if the matches are spread evenly; at most every row), each WALK_ROW_COST. They
    meet where matches ~ sqrt(WALK_ROW_COST * WALK_MARGIN * page_rows * rows): at 800,000 tickets about 7,400
    matches (0.9 %), at 80,000 about 2,300 (3 %)."""
    rows, matches = max(estimate.rows, 0.0), max(estimate.matches, 0.0)
    if matches <= ALWAYS_INDEX or rows <= 0:
        return Strategy.INDEX_FIRST
    found = matches * PHRASE_SHARE if estimate.phrase else matches
    walked = min(rows, page_rows * rows / found)
    if walked * WALK_ROW_COST * WALK_MARGIN < matches:
        return Strategy.WALK
    return Strategy.INDEX_FIRST


def crossover(rows: float, *, page_rows: int = PAGE_ROWS) -> float:
    """About the number of matches above which a list of `rows` tickets is walked (for reports and tests)."""
    return math.sqrt(WALK_ROW_COST * WALK_MARGIN * page_rows * max(rows, 0.0))


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
# A quoted run of two words or more: websearch_to_tsquery makes it a phrase (word <-> word).
PHRASE = re.compile(r'"[^"]*\w\W+\w[^"]*"')


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


def text_query(query: str) -> SearchQuery:
    """The words as PostgreSQL reads a search box: quoted phrases, OR, -excluded (websearch_to_tsquery), English
    stop words left out as the vectors leave them out (tickets.search_words); each phrase that must match ANDs the
    tokens of its adjacent common words (`pair_phrases`)."""
    words = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    phrases = pair_phrases(query)
    for index, phrase in enumerate(phrases):
        words = WithPhrasePairs(words, phrase, once=index == len(phrases) - 1)
    return words


class WithPhrasePairs(SearchQuery):
    """A tsquery AND the pair tokens its phrase implies, once every vector carries them (migration 0025): the GIN
    index then answers a phrase of two common words that rarely stand together from the pair's few tickets
    instead of every ticket holding both words; the phrase operator stays the exact test. A SearchQuery, so that
    `search_vector=` takes it as a query as it is.

    Run, the outermost call is a scalar subquery (`once`): evaluated once per statement (an InitPlan), where the
    bare STABLE call was evaluated again in every candidate's recheck (0.25 ms each: 240 ms for 950 candidates).
    Estimated (`estimate`), it is the bare call, which the planner folds: the estimate sees the pair's frequency
    (of a subquery it would know nothing)."""

    def __init__(self, query: SearchQuery, phrase: str, *, once: bool = False):
        self.function, self.config, self.invert = "tickets_search_with_phrase_pairs", None, False
        self.once = once
        Func.__init__(self, query, Value(phrase), output_field=SearchQueryField())

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return (f"(SELECT {sql})" if self.once else sql), params

    def for_estimate(self) -> WithPhrasePairs:
        clone = self.copy()
        clone.once = False
        return clone


# A quoted phrase (websearch_to_tsquery pairs the quotes from the left) and what stands just before it.
_QUOTED = re.compile(r'(-?)\s*"([^"]*)"')
# websearch_to_tsquery's OR: the word "or" between terms, in any case.
_OR = re.compile(r"(?:^|\s)or(?:\s|$)", re.IGNORECASE)


def pair_phrases(query: str) -> list[str]:
    """The quoted phrases of `query` every match must contain: not excluded ("-" in front) and in a query without
    OR (an alternative need not hold the phrase, so ANDing its tokens would lose matches). At most 3."""
    phrases, outside, end = [], [], 0
    for match in _QUOTED.finditer(query):
        outside.append(query[end : match.start()])
        end = match.end()
        if not match.group(1) and PHRASE.search(f'"{match.group(2)}"'):
            phrases.append(match.group(2))
    outside.append(query[end:])
    if any(_OR.search(part) for part in outside):
        return []
    return phrases[:3]


# The list's own size moves slowly and only steers the choice: each process asks the planner for it once per
# LIST_ROWS_SECONDS per list (its SQL, which names the tenant and the viewer's filters), one EXPLAIN fewer a search.
LIST_ROWS_SECONDS = 60
_list_rows = ProcessCopies(size=512)


def forget_list_sizes() -> None:
    """Ask the planner again for every list (tests that count a cold request's statements)."""
    _list_rows.clear()


def estimate(tickets: QuerySet, words: SearchQuery, *, phrase: bool = False) -> Estimate:
    """The planner's estimate of the rows of `tickets` and of those `words` match, from the statistics
    (ALTER ... SET STATISTICS 1000 on search_vector keeps the common words' frequencies); nothing is read."""
    listed = tickets.order_by().values("pk")
    if isinstance(words, WithPhrasePairs):
        words = words.for_estimate()
    sql, params = listed.query.sql_with_params()
    period = int(time.monotonic() // LIST_ROWS_SECONDS)
    return Estimate(
        rows=_list_rows.kept((sql, repr(params), period), lambda: _planned_rows(listed)),
        matches=_planned_rows(tickets.filter(search_vector=words).order_by().values("pk")),
        phrase=phrase,
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
    for word in searchable_words(query)[:10]:
        word = word.strip("\"'")
        if word and not word.startswith("-"):
            in_messages = Exists(Message.objects.filter(ticket=OuterRef("pk"), body_html__icontains=word))
            condition &= Q(subject__icontains=word) | Q(in_messages)
    if not condition and only_common_words(query):
        return Ticket.objects.none().values("pk")  # as on PostgreSQL: stop words alone match no ticket by its words
    return Ticket.objects.filter(condition).values("pk")


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
