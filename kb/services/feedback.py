"""What readers tell us: votes ("Did this answer your question?"), "no" notes that put the article on its
owner's review list, agents' "outdated" flags, and the anonymous counters of searches and suggestions."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from kb.models import Article, ArticleEvent, ArticleVote, DailyCount, ReviewRequest, SearchMiss
from kb.scrub import scrub
from kb.services.common import KbError, record
from tenancy.context import require_tenant_id
from tenancy.roles import Role
from tickets import clock
from tickets.models import Ticket
from tickets.services.events import Actor, require_role

MAX_NOTE = 1000


def vote(*, article: Article, browser: str, helpful: bool, missing: str = "") -> ArticleVote:
    """Record one browser's vote on the article's current revision (a second vote changes the first). A "no" puts
    the article on its owner's review list; what the reader then says was missing joins that review request.
    `article` must be one the reader may see (the view takes it from kb.selectors)."""
    note = scrub(" ".join((missing or "").split()))[:MAX_NOTE] if not helpful else ""
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        ballot = ArticleVote.objects.filter(article=locked, epoch=locked.vote_epoch, browser=browser).first()
        became_no = not helpful and (ballot is None or ballot.helpful)
        if ballot is None:
            ballot = ArticleVote.objects.create(article=locked, epoch=locked.vote_epoch, browser=browser,
                                                helpful=helpful, missing=note, created_at=clock.now())  # fmt: skip
            _count(locked, helpful, +1)
        else:
            if ballot.helpful != helpful:
                _count(locked, ballot.helpful, -1)
                _count(locked, helpful, +1)
            ballot.helpful, ballot.missing = helpful, note or (ballot.missing if not helpful else "")
            ballot.save(update_fields=["helpful", "missing"])
        if became_no:
            _request_review(locked, reason=ReviewRequest.Reason.NOT_HELPFUL, note=note)
        elif not helpful and note:
            _add_note(locked, note)
    return ballot


def _add_note(article: Article, note: str) -> None:
    """The "what was missing" that follows a "no": onto the open request that "no" raised, or a new one."""
    open_requests = ReviewRequest.objects.filter(article=article, resolved_at=None)
    waiting = open_requests.filter(reason=ReviewRequest.Reason.NOT_HELPFUL, note="").order_by("-created_at").first()
    if waiting is None:
        _request_review(article, reason=ReviewRequest.Reason.NOT_HELPFUL, note=note)
    else:
        waiting.note = note[:MAX_NOTE]
        waiting.save(update_fields=["note"])


def _count(article: Article, helpful: bool, delta: int) -> None:
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + delta})


def _request_review(article: Article, *, reason: str, note: str = "", ticket=None, raised_by=None) -> ReviewRequest:
    request = ReviewRequest.objects.create(article=article, reason=reason, note=note[:MAX_NOTE], ticket=ticket,
                                           raised_by=raised_by, created_at=clock.now())  # fmt: skip
    Article.objects.filter(pk=article.pk).update(needs_review=True)
    return request


def flag_outdated(*, article_id: int, actor: Actor, note: str = "", ticket: Ticket | None = None) -> ReviewRequest:
    """An agent says an article is out of date (from a ticket, usually): it goes on its owner's review list."""
    member = require_role(actor, Role.AGENT, "Only agents can flag articles.")
    with transaction.atomic():
        try:
            article = Article.objects.select_for_update().get(pk=article_id)
        except Article.DoesNotExist as missing:
            raise KbError("That article no longer exists.") from missing
        review = _request_review(article, reason=ReviewRequest.Reason.OUTDATED,
                                 note=" ".join((note or "").split()), ticket=ticket, raised_by=member)  # fmt: skip
        record(article, kind=ArticleEvent.Kind.FLAGGED, actor=member, version=article.version)
    return review


def count(metric: str, *, day: date | None = None, by: int = 1) -> None:
    """Add to an anonymous daily counter (one row per tenant, day and metric)."""
    day = day or clock.now().date()
    _upsert(DailyCount, {"day": day, "metric": metric}, by)


def count_search_miss(query: str, *, day: date | None = None) -> None:
    """Count a search that found nothing, scrubbed of addresses and numbers, lower-cased."""
    cleaned = " ".join(scrub(query).lower().split())[:200]
    if cleaned:
        _upsert(SearchMiss, {"day": day or clock.now().date(), "query": cleaned}, 1)
    count(DailyCount.Metric.SEARCH_MISS, day=day)


def _upsert(model, key: dict, by: int) -> None:
    # One UPDATE in the common case; the INSERT race is settled by the unique constraint and a retry.
    if model.objects.filter(**key).update(count=F("count") + by):
        return
    try:
        with transaction.atomic():
            model.objects.create(tenant_id=require_tenant_id(), count=by, **key)
    except IntegrityError:
        model.objects.filter(**key).update(count=F("count") + by)
