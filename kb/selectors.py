"""Reads of the knowledge base. `readable_articles` is the only door: every page, search, suggestion and API
answer starts from it, so internal and unpublished articles never reach customers or anonymous visitors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from kb.models import (
    Article,
    ArticleSlug,
    ArticleStatus,
    ArticleTag,
    DailyCount,
    Deflection,
    KbCategory,
    ReviewRequest,
    SearchMiss,
    SuggestionEntry,
    TicketArticleLink,
)
from kb.search import search_articles
from tenancy.models import Membership
from tickets import clock

SUGGESTION_LIMIT = 5
SEARCH_LIMIT = 20


def is_staff_reader(member: Membership | None) -> bool:
    return bool(member) and member.is_staff_member


def readable_articles(member: Membership | None) -> QuerySet:
    """Staff read every article that is not archived (drafts and internal ones included); anyone else (customers,
    anonymous visitors, another tenant's people who are no member here) only published public ones."""
    if is_staff_reader(member):
        return Article.objects.exclude(status=ArticleStatus.ARCHIVED)
    return Article.objects.public()


def public_articles() -> QuerySet:
    return Article.objects.public()


def _listed(articles: QuerySet) -> QuerySet:
    return articles.select_related("category", "category__parent").defer("body_markdown", "body_html", "search_vector")


def search(
    *, member: Membership | None, query: str, config: str, limit: int = SEARCH_LIMIT, public_only: bool = False
) -> list[Article]:
    """The reader's search hits, best first (the help centre passes public_only: staff see it as customers do)."""
    articles = public_articles() if public_only else readable_articles(member)
    return search_articles(_listed(articles), query, config=config, limit=limit, title_entries=_entries(public_only))


def suggest(
    *, member: Membership | None, text: str, config: str, limit: int = SUGGESTION_LIMIT, public_only: bool = False,
    category_ids=(), exclude_ids=(),
) -> list[Article]:  # fmt: skip
    """Articles that may answer `text` (a subject as it is typed, or a ticket's subject and body): any of its
    words; articles of `category_ids` first."""
    articles = (public_articles() if public_only else readable_articles(member).published()).exclude(
        pk__in=list(exclude_ids)
    )
    return search_articles(_listed(articles), text, config=config, limit=limit, boost_category_ids=category_ids,
                           any_word=True, snippets=False, title_entries=_entries(public_only))  # fmt: skip


def _entries(public_only: bool) -> QuerySet | None:
    """Customer-facing reads rank title matches on the narrow entries of public articles (kb.search)."""
    return SuggestionEntry.objects.all() if public_only else None


def get_readable_article(*, member: Membership | None, slug: str, public_only: bool = False):
    """(article, None) for a current slug, (None, current slug) for an old one, (None, None) when the reader
    may not see it or it does not exist (the same answer, so a guess tells nothing)."""
    articles = public_articles() if public_only else readable_articles(member)
    article = (
        articles.select_related("category", "category__parent", "author__user")
        .prefetch_related(Prefetch("tags", queryset=ArticleTag.objects.only("article_id", "name")))
        .filter(slug=slug)
        .first()
    )
    if article is not None:
        return article, None
    old = ArticleSlug.objects.filter(slug=slug).values_list("article_id", flat=True).first()
    if old is not None:
        current = articles.filter(pk=old).values_list("slug", flat=True).first()
        if current is not None:
            return None, current
    return None, None


def help_categories() -> list[KbCategory]:
    """Top-level categories with their children, each with `article_count` of public articles."""
    counted = KbCategory.objects.annotate(
        article_count=Count("articles", filter=Q(articles__status="published", articles__visibility="public"))
    )
    tops = list(counted.filter(parent=None).prefetch_related(Prefetch("children", queryset=counted)))
    for top in tops:
        top.total = top.article_count + sum(child.article_count for child in top.children.all())
    return tops


def category_articles(category: KbCategory) -> QuerySet:
    return _listed(public_articles().filter(Q(category=category) | Q(category__parent=category))).order_by("title")


def popular_articles(limit: int = 8) -> list[Article]:
    return list(_listed(public_articles()).order_by("-helpful_yes", "-published_at", "-id")[:limit])


STAFF_SEARCH_LIMIT = 100


def staff_articles(*, status: str = "", visibility: str = "", query: str = "", config: str = "simple"):
    """The staff's article list: newest first (a QuerySet to paginate), or the best STAFF_SEARCH_LIMIT search
    hits (a list)."""
    articles = Article.objects.all()
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    if visibility in ("public", "internal"):
        articles = articles.filter(visibility=visibility)
    if query.strip():
        return search_articles(_listed(articles).select_related("author__user"), query, config=config,
                               limit=STAFF_SEARCH_LIMIT)  # fmt: skip
    return _listed(articles).select_related("author__user").order_by("-updated_at", "-id")


def review_list(member: Membership | None = None) -> QuerySet:
    """Articles waiting for review, the member's own first; with the open requests' count and latest reason."""
    articles = Article.objects.filter(needs_review=True)
    if member is not None:
        articles = articles.filter(author=member)
    return (
        _listed(articles)
        .select_related("author__user")
        .annotate(open_requests=Count("review_requests", filter=Q(review_requests__resolved_at=None)))
        .prefetch_related(
            Prefetch(
                "review_requests",
                queryset=ReviewRequest.objects.filter(resolved_at=None)
                .select_related("ticket")
                .order_by("-created_at"),
                to_attr="open_review_requests",
            )
        )
        .order_by("-updated_at", "-id")
    )


@dataclass(frozen=True)
class KbStats:
    days: int
    deflected: int
    filed_anyway: int
    pending: int
    votes_yes: int
    votes_no: int
    counts: dict[str, int]
    top_misses: list[tuple[str, int]]
    top_deflecting: list[tuple[str, str, int]]
    links_in_replies: int

    @property
    def deflection_rate(self) -> int | None:
        decided = self.deflected + self.filed_anyway
        return round(100 * self.deflected / decided) if decided else None


def kb_stats(*, days: int = 30) -> KbStats:
    """The supervisor's KB numbers over the last `days` days: a fixed handful of aggregate queries."""
    since = clock.now() - timedelta(days=days)
    since_day = since.date()
    outcomes = dict(
        Deflection.objects.filter(opened_at__gte=since).values_list("outcome").annotate(n=Count("id")).order_by()
    )
    votes = Article.objects.aggregate(yes=Sum("helpful_yes"), no=Sum("helpful_no"))
    counts = dict(
        DailyCount.objects.filter(day__gte=since_day).values_list("metric").annotate(n=Sum("count")).order_by()
    )
    misses = list(
        SearchMiss.objects.filter(day__gte=since_day)
        .values_list("query")
        .annotate(n=Sum("count"))
        .order_by("-n", "query")[:20]
    )
    deflecting = list(
        Deflection.objects.filter(opened_at__gte=since, outcome=Deflection.Outcome.DEFLECTED)
        .values_list("article__title", "article__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "article__title")[:10]
    )
    links = TicketArticleLink.objects.filter(created_at__gte=since).count()
    return KbStats(
        days=days,
        deflected=outcomes.get(Deflection.Outcome.DEFLECTED, 0),
        filed_anyway=outcomes.get(Deflection.Outcome.FILED, 0),
        pending=outcomes.get(Deflection.Outcome.PENDING, 0),
        votes_yes=votes["yes"] or 0,
        votes_no=votes["no"] or 0,
        counts=counts,
        top_misses=misses,
        top_deflecting=deflecting,
        links_in_replies=links,
    )
