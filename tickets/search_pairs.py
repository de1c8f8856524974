"""Which words are common enough for pair tokens, and the backfill that gives every vector their tokens.

A phrase of two common words is searched through a token for the pair that each vector carries (migration
0025_search_phrase_pairs has the SQL and why). The list lives in `tickets_searchpairs`, one row per text-search
configuration; `manage.py search_phrase_pairs` keeps it:

- `refresh` reads the words from the column's statistics (most_common_elems of tickets_ticket.search_vector,
  STATISTICS 1000: every word in more than MIN_WORD_SHARE of the tickets, at most MAX_WORDS) and, on a sample of
  SAMPLE_TICKETS tickets, the pairs of them in more than FREQUENT_PAIR_SHARE of the tickets: those get no token.
  A phrase that frequent has matches dense enough for the list's walk to find a page quickly, and in templated
  text (the standard seed) most adjacent common words are such pairs: tokens for them would cost bytes in every
  vector for no search. The trigger writes the stored list's tokens from then on. A list that only takes tokens
  away (a word no longer common, a pair grown frequent) is used at once; one that adds tokens bumps `version`.
  A word or pair on the list stays until its share falls under half the threshold, so lists do not flap.
- `backfill` rewrites every vector in id order, BATCH_ROWS a transaction (row locks for one batch only),
  remembering the last id done (`backfilled_to`), so a stopped run goes on where it stopped; at the end it sets
  `ready_version`, and only then does the search use the tokens (a vector written before the list changed lacks
  them). If the list changes meanwhile, the backfill starts over for the new one.

Rows are read and written on the platform connection (BYPASSRLS: every tenant's tickets); VACUUM needs the owner
(the default connection of the migrate job). SQLite (the demo) keeps no vector: nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, connections, transaction

from tenancy.db.scope import PLATFORM
from tickets.search_words import SEARCH_CONFIG

# A word in at least this share of the tickets is common: two of them (independent) are both in 1 % of the
# tickets, whose rechecks (~4 us each) pass 40 ms at a million tickets. At a million Zipf-worded tickets 200 words
# qualify; in the standard seed 147.
MIN_WORD_SHARE = 0.10
MAX_WORDS = 256
# A pair in at least this share of the tickets gets no token: walking the list finds a page of its matches within
# ~5,000 rows. Measured on samples at a million tickets: the standard seed then carries 9.4 tokens a ticket
# (~85 bytes) instead of 35 (~315 bytes); the Zipf seed 14.
FREQUENT_PAIR_SHARE = 0.01
SAMPLE_TICKETS = 20_000
BATCH_ROWS = 20_000
# A VACUUM after this many rewritten rows lets the next batches reuse the old row versions' space.
VACUUM_EVERY = 200_000
# The schedule (tickets.maintain_search_pairs, every ten minutes): the list read anew once a month (the common
# words of a helpdesk move slowly), daily while it has no word (a new install has no statistics yet), and at most
# SCHEDULED_ROWS vectors backfilled a run, so a million are done within a few hours without a long transaction.
REFRESH_EVERY = timedelta(days=30)
REFRESH_EMPTY_EVERY = timedelta(days=1)
SCHEDULED_ROWS = 60_000

_COMMON_WORDS = """
SELECT word, share FROM (
    SELECT unnest(most_common_elems::text::text[]) AS word, unnest(most_common_elem_freqs) AS share
    FROM pg_stats WHERE schemaname = 'public' AND tablename = 'tickets_ticket' AND attname = 'search_vector'
) AS stats
WHERE share >= %s AND position(' ' IN word) = 0
ORDER BY share DESC, word
"""

# One sample for the counts and their denominator. REPEATABLE is left out on purpose: each refresh looks at other
# pages.
_SAMPLE_PAIRS = """
WITH sample AS MATERIALIZED (
    SELECT search_vector FROM tickets_ticket TABLESAMPLE SYSTEM (%s) WHERE search_vector IS NOT NULL LIMIT %s
)
SELECT token, count(*), (SELECT count(*) FROM sample)
FROM sample, unnest(tsvector_to_array(tickets_search_pairs(search_vector, %s, '{}'))) AS token
GROUP BY token
"""

# A word or a pair already on the list stays on it until its share falls under half the threshold: a word near
# the threshold would otherwise come and go with each refresh's statistics, and each coming back costs a backfill.
KEEP_BELOW = 0.5


@dataclass(frozen=True)
class State:
    words: list[str]
    frequent_pairs: list[str]
    version: int
    ready_version: int
    backfilled_to: int

    @property
    def ready(self) -> bool:
        return self.version == self.ready_version


def _platform():
    return connections[PLATFORM]


def state() -> State:
    with _platform().cursor() as cursor:
        cursor.execute(
            "SELECT words, frequent_pairs, version, ready_version, backfilled_to FROM tickets_searchpairs "
            "WHERE config = %s::regconfig",
            [SEARCH_CONFIG],
        )
        return State(*cursor.fetchone())


def common_words(keep: frozenset[str] = frozenset()) -> list[str]:
    """The column's most common words (its statistics: ANALYZE first on a fresh database); the words of `keep`
    down to half the share."""
    with _platform().cursor() as cursor:
        cursor.execute(_COMMON_WORDS, [MIN_WORD_SHARE * KEEP_BELOW])
        rows = cursor.fetchall()
    chosen = [word for word, share in rows if share >= MIN_WORD_SHARE or word in keep]
    return sorted(chosen[:MAX_WORDS])


def frequent_pairs(words: list[str], keep: frozenset[str] = frozenset()) -> list[str]:
    """The tokens of the pairs of `words` in FREQUENT_PAIR_SHARE of a sample of the tickets or more (those of
    `keep` down to half that)."""
    if not words:
        return []
    with _platform().cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'tickets_ticket'::regclass")
        rows = max(float(cursor.fetchone()[0]), 1.0)
        percent = min(100.0, 100.0 * SAMPLE_TICKETS * 1.2 / rows)
        cursor.execute(_SAMPLE_PAIRS, [percent, SAMPLE_TICKETS, words])
        counts = cursor.fetchall()
    return sorted(
        token
        for token, count, sampled in counts
        if count / sampled >= FREQUENT_PAIR_SHARE * (KEEP_BELOW if token in keep else 1.0)
    )


def refresh(*, words: list[str] | None = None, frequent: list[str] | None = None) -> State:
    """Store the current list (or the given one). A list that only takes tokens away (a word no longer common, a
    pair grown frequent) is used at once: the search stops asking for those tokens, and the vectors that still
    carry them only keep a few stale bytes until their next write. One that adds tokens (a new word, a pair no
    longer frequent) gets a new version, which the search uses once the backfill has given every vector them."""
    current = state()
    words = sorted(set(common_words(frozenset(current.words)) if words is None else words))
    if frequent is None:
        frequent = frequent_pairs(words, frozenset(current.frequent_pairs))
    frequent = sorted(set(frequent))
    adds = bool(set(words) - set(current.words) or set(current.frequent_pairs) - set(frequent))
    with transaction.atomic(using=PLATFORM), _platform().cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_searchpairs SET words = %s, frequent_pairs = %s, refreshed_at = now(), "
            "version = version + %s, backfilled_to = CASE WHEN %s THEN 0 ELSE backfilled_to END "
            "WHERE config = %s::regconfig",
            [words, frequent, int(adds), adds, SEARCH_CONFIG],
        )
    return state()


def backfill(
    *,
    batch: int = BATCH_ROWS,
    limit: int | None = None,
    vacuum: Callable[[], None] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> State:
    """Rewrite the vectors after `backfilled_to`, `batch` rows a transaction (at most `limit` rows this run);
    when every vector is done, the list is ready. The trigger computes the tokens (UPDATE OF search_vector)."""
    platform = _platform()
    done = since_vacuum = 0
    while limit is None or done < limit:
        current = state()
        if current.ready:
            break
        size = batch if limit is None else min(batch, limit - done)
        with transaction.atomic(using=PLATFORM), platform.cursor() as cursor:
            cursor.execute(
                "SELECT max(id), count(*) FROM (SELECT id FROM tickets_ticket WHERE id > %s ORDER BY id LIMIT %s) AS b",
                [current.backfilled_to, size],
            )
            last, rows = cursor.fetchone()
            # The list's row locked: a refresh waits for the batch, and a batch does not run into a new list.
            cursor.execute(
                "SELECT version FROM tickets_searchpairs WHERE config = %s::regconfig FOR UPDATE", [SEARCH_CONFIG]
            )
            if cursor.fetchone()[0] != current.version:
                continue
            if last is None:
                cursor.execute(
                    "UPDATE tickets_searchpairs SET ready_version = version WHERE config = %s::regconfig",
                    [SEARCH_CONFIG],
                )
                log(f"every vector carries the pairs of version {current.version}: the search uses them")
                break
            cursor.execute(
                "UPDATE tickets_ticket SET search_vector = search_vector "
                "WHERE id > %s AND id <= %s AND search_vector IS NOT NULL",
                [current.backfilled_to, last],
            )
            cursor.execute(
                "UPDATE tickets_searchpairs SET backfilled_to = %s WHERE config = %s::regconfig", [last, SEARCH_CONFIG]
            )
        done += rows
        since_vacuum += rows
        log(f"rewrote tickets up to id {last} ({done:,} rows this run)")
        if vacuum is not None and since_vacuum >= VACUUM_EVERY:
            vacuum()
            since_vacuum = 0
    return state()


__all__ = ["State", "backfill", "common_words", "frequent_pairs", "refresh", "state"]


def maintain(*, rows: int = SCHEDULED_ROWS) -> State | None:
    """The scheduled step: refresh the list when it is due (see REFRESH_EVERY), then backfill at most `rows`
    vectors if it is not ready. None where there are no vectors (SQLite)."""
    if connection.vendor != "postgresql":  # the demo's SQLite has no platform connection and no vectors
        return None
    with _platform().cursor() as cursor:
        cursor.execute(
            "SELECT refreshed_at IS NULL OR refreshed_at < now() - CASE WHEN cardinality(words) = 0 THEN %s "
            "ELSE %s END FROM tickets_searchpairs WHERE config = %s::regconfig",
            [REFRESH_EMPTY_EVERY, REFRESH_EVERY, SEARCH_CONFIG],
        )
        due = cursor.fetchone()[0]
    if due:
        refresh()
    return backfill(limit=rows)
