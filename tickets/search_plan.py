"""How a list's search is planned (tickets.search's docstring tells why): the planner's estimate of the list and of
its matches, and the choice between reading every match from the indexes first and walking the list's order."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

from tenancy.process_copies import ProcessCopies
from tickets.search_text import WithPhrasePairs


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
