"""Article search: the one database-specific module of the knowledge base.

PostgreSQL: a websearch query in the tenant's text-search configuration against the vector a trigger keeps
(title weight A, body weight B; GIN index led by tenant, as tickets/search.py: under row-level security it needs
ts_match_vq marked LEAKPROOF to use that index, which tenancy.checks warns about). Ranked by ts_rank_cd, with a
ts_headline snippet computed for the returned page only. SQLite (the demo): every word must appear in the title
or the text, case-insensitively, and the title matches first.
"""

from __future__ import annotations

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Left
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY = 200
MAX_WORDS = 10
# ISO 639-1 codes of tenant languages -> PostgreSQL's built-in configurations; anything else is 'simple'.
CONFIG_FOR_LANGUAGE = {
    "ar": "arabic", "da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish",
    "fi": "finnish", "fr": "french", "hu": "hungarian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "nl": "dutch", "no": "norwegian", "nb": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip
KNOWN_CONFIGS = frozenset({*CONFIG_FOR_LANGUAGE.values(), "simple"})
# ts_headline marks matches with these; the snippet is escaped, then they become <mark>.
START, STOP = "\x02", "\x03"


# The SQLite fallback's suggestions skip these (PostgreSQL's configurations have their own lists).
STOP_WORDS = frozenset({
    "and", "the", "for", "you", "your", "our", "are", "was", "were", "when", "what", "why", "how", "can't",
    "cannot", "not", "with", "from", "this", "that", "have", "has", "does", "did", "but", "its", "it's", "any",
    "all", "out", "get", "got",
})  # fmt: skip


def config_for_language(language: str) -> str:
    return CONFIG_FOR_LANGUAGE.get((language or "").split("-")[0].lower(), "simple")


def clean_query(query: str) -> str:
    return " ".join(query.split()[:MAX_WORDS])[:MAX_QUERY]


WORD = re.compile(r"\w{2,}")


def any_word_query(text: str) -> str:
    """A websearch query matching any of the words of `text` (suggestions: a subject is not a search)."""
    words = list(dict.fromkeys(w.lower() for w in WORD.findall(text)))[:MAX_WORDS]
    return " or ".join(w for w in words if w != "or")


def search_articles(
    articles: QuerySet,
    query: str,
    *,
    config: str,
    limit: int,
    boost_category_ids=(),
    any_word: bool = False,
    snippets: bool = True,
    title_entries: QuerySet | None = None,
) -> list:
    """The best `limit` articles matching `query`, each with `headline` (see `snippet`) on PostgreSQL.
    `articles` is already limited to what the reader may see (kb.selectors): this only narrows and orders.
    `any_word`: match articles with any of the words (suggestions), else all of them (search). `snippets`: make
    the highlighted snippets (ts_headline re-reads the text: a few milliseconds for a page of hits).

    PostgreSQL, in two steps so that a common word stays fast in a large knowledge base: first the articles
    whose title matches, ranked on the small title vector (never TOASTed, so ranking thousands costs little);
    then, if those are fewer than `limit`, articles that match in the body, ranked on the whole vector among at
    most CANDIDATES of them (ranking means reading each vector, kilobytes out of line: a word in half the
    articles would otherwise read them all, for matches that are all equally weak).

    `title_entries` (customer-facing reads: kb.models.SuggestionEntry): rank the title matches on that narrow
    table instead of the wide article rows, then read only the winners through `articles` (which still decides
    what may be shown)."""
    query = any_word_query(query) if any_word else clean_query(query)
    if not query:
        return []
    if config not in KNOWN_CONFIGS:
        config = "simple"
    if connection.vendor == "postgresql":
        return _search_postgresql(articles, query, config=config, limit=limit, boost_category_ids=boost_category_ids,
                                  snippets=snippets, title_entries=title_entries)  # fmt: skip
    return list(_search_fallback(articles, query, any_word=any_word)[:limit])


CANDIDATES = 400


SNIPPET_SOURCE_CHARS = 4000


# Entries read beyond the page: some may be excluded by `articles` (an article already linked, a stale entry).
ENTRY_SLACK = 10


def _search_postgresql(
    articles: QuerySet, query: str, *, config: str, limit: int, boost_category_ids, snippets: bool,
    title_entries: QuerySet | None = None,
) -> list:  # fmt: skip
    search = SearchQuery(query, config=config, search_type="websearch")
    boost = Value(0.0, output_field=FloatField())
    if boost_category_ids:
        boost = Case(When(category_id__in=list(boost_category_ids), then=Value(0.5)), default=Value(0.0),
                     output_field=FloatField())  # fmt: skip
    # The snippet comes from the start of the text: ts_headline parses all it is given.
    source = Left(Func(F("body_text"), Value("<>"), Value("  "), function="translate"), SNIPPET_SOURCE_CHARS)
    headline = SearchHeadline(
        source,
        search,
        config=config,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    extra = {"headline": headline} if snippets else {}
    order = ("-rank", "-updated_at", "-id")
    if title_entries is not None:
        hits = _title_hits_from_entries(articles, title_entries, search, boost, extra, limit)
    else:
        hits = list(
            articles.filter(title_vector=search)
            .annotate(rank=SearchRank(F("title_vector"), search) + boost, **extra)
            .order_by(*order)[:limit]
        )
    if len(hits) < limit:
        candidates = (
            articles.filter(search_vector=search).exclude(pk__in=[hit.pk for hit in hits]).values("pk")[:CANDIDATES]
        )
        hits += list(
            articles.filter(pk__in=Subquery(candidates))
            .annotate(rank=SearchRank(F("search_vector"), search) + boost, **extra)
            .order_by(*order)[: limit - len(hits)]
        )
    return hits


def _title_hits_from_entries(articles: QuerySet, entries: QuerySet, search, boost, extra: dict, limit: int) -> list:
    """The best title matches ranked on the narrow entries (same rank, same order as on the articles), then the
    winners read through `articles`, in that order: an entry `articles` does not allow is left out."""
    ranked = list(
        entries.filter(title_vector=search)
        .annotate(rank=SearchRank(F("title_vector"), search) + boost)
        .order_by("-rank", "-updated_at", "-article_id")
        .values_list("article_id", "rank")[: limit + ENTRY_SLACK]
    )
    if not ranked:
        return []
    found = articles.filter(pk__in=[article_id for article_id, _ in ranked]).annotate(**extra).in_bulk()
    hits = []
    for article_id, rank in ranked:
        article = found.get(article_id)
        if article is not None:
            article.rank = rank
            hits.append(article)
    return hits[:limit]


def _search_fallback(articles: QuerySet, query: str, *, any_word: bool) -> QuerySet:
    """SQLite (the demo): every word (or, for suggestions, any word) in the title or the text; title hits first."""
    words = [w.strip("\"'") for w in query.split()]
    words = [w for w in words if w and not w.startswith("-")]
    if any_word:
        # No stemming or stop words here: leave out the little words that would match every article.
        words = [w for w in words if len(w) > 2 and w.lower() not in STOP_WORDS and w != "or"] or words[:1]
    condition = Q()
    for word in words:
        match = Q(title__icontains=word) | Q(body_text__icontains=word)
        condition = (condition | match) if any_word else (condition & match)
    title_hit = Q()
    for word in words:
        title_hit = (title_hit | Q(title__icontains=word)) if any_word else (title_hit & Q(title__icontains=word))
    boost = Case(When(title_hit, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return articles.filter(condition).annotate(rank=boost).order_by("-rank", "-updated_at", "-id")


def snippet(article, *, length: int = 200) -> SafeString:
    """The highlighted snippet of a search hit (PostgreSQL), else the start of the text; always escaped."""
    headline = getattr(article, "headline", None)
    if headline:
        escaped = html.escape(headline)
        return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped above
    text = article.body_text[:length]
    return mark_safe(html.escape(text + ("…" if len(article.body_text) > length else "")))  # noqa: S308
