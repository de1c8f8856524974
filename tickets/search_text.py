"""The search box's text: cleaned, and as PostgreSQL reads it (websearch_to_tsquery, English stop words left out),
with the pair tokens a quoted phrase of common words implies (tickets.search_pairs)."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchQueryField
from django.db.models import Func, Value

from tickets.search_words import SEARCH_CONFIG

MAX_QUERY = 200


def clean_query(query: str) -> str:
    return " ".join((query or "").split())[:MAX_QUERY]


# A quoted run of two words or more: websearch_to_tsquery makes it a phrase (word <-> word).
PHRASE = re.compile(r'"[^"]*\w\W+\w[^"]*"')


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
