"""The words the ticket search leaves out: PostgreSQL's English stop words, and what the search box says about them.

Tickets' search vectors and queries use the text-search configuration `tessera_search` (migration
0022_search_stop_words_s3): PostgreSQL's `simple` configuration (each word lower-cased as written, no stemming, any
language) with the English stop-word list. "the", "is", "not" were in nearly every vector and matched nearly every
ticket: a third of a vector's bytes (313 bytes a ticket at 100,000 tickets) for words no search could use. Stop
words keep their positions, so a phrase still finds its other words in order ("printer is broken" is
'printer' <2> 'broken'; "not working" is 'working'). A search of stop words alone matches no ticket by its words:
the search box says so instead of showing an empty list (`common_words_notice`).

STOP_WORDS is PostgreSQL's `tsearch_data/english.stop` (tests compare it with the server's, and this module's
reading of a query with the server's). The demo (SQLite) leaves the same words out of its word-by-word search.
"""

from __future__ import annotations

import re

SEARCH_CONFIG = "tessera_search"

# PostgreSQL 15's tsearch_data/english.stop, in its order.
_ENGLISH_STOP = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing a an the and but if or because as until while of at by for
with about against between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more most other some such no
nor not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_ENGLISH_STOP.split())

# Characters around a word that PostgreSQL's parser drops: punctuation, and websearch's quotes and leading "-".
_EDGE = "\"'\u201c\u201d\u2018\u2019()[]{}<>,;:!?.-*"
# Inside a word, what makes PostgreSQL keep it as one token of its own (an address, a URL or path, a file name,
# a version, a hyphenated word whose whole form is indexed besides its parts).
_WHOLE = re.compile(r"[@/]|[^\W_][.\-][^\W_]")
_WORD = re.compile(r"[^\W_]+")


def _tokens(query: str) -> list[tuple[str, bool]]:
    """The query's words as PostgreSQL's parser reads them, each with whether it is a stop word."""
    tokens = []
    for chunk in query.lower().split():
        chunk = chunk.strip(_EDGE)
        if not chunk:
            continue
        if _WHOLE.search(chunk):
            tokens.append((chunk, False))
        else:
            tokens.extend((word, word in STOP_WORDS) for word in _WORD.findall(chunk))
    return tokens


def common_words(query: str) -> list[str]:
    """The stop words of `query` that its search leaves out, in order, each once."""
    return list(dict.fromkeys(word for word, stop in _tokens(query) if stop))


def only_common_words(query: str) -> bool:
    """Whether `query` has words and every one is a stop word: its words match no ticket."""
    tokens = _tokens(query)
    return bool(tokens) and all(stop for _, stop in tokens)


def searchable_words(query: str) -> list[str]:
    """The words of `query` that are not stop words (the demo's word-by-word search)."""
    return [word for word in query.split() if not only_common_words(word)]


def _quoted(words: list[str]) -> str:
    quoted = [f"“{word}”" for word in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def common_words_notice(query: str) -> str:
    """What the search box says about the words it left out of `query` ("" when none)."""
    words = common_words(query)
    if not words:
        return ""
    if only_common_words(query):
        verb = "is" if len(words) == 1 else "are"
        return f"{_quoted(words)} {verb} too common to search for; add a more specific word."
    return f"Left out as too common: {_quoted(words)}."


__all__ = [
    "SEARCH_CONFIG",
    "STOP_WORDS",
    "common_words",
    "common_words_notice",
    "only_common_words",
    "searchable_words",
]
