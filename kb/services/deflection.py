"""Deflection, counted honestly and without personal data.

A browser that opens an article the request form suggested starts one pending deflection (further suggestions
it opens within the day join the same one: one visit deflects at most one request). It becomes:

- filed, when that browser files a request within 24 hours of opening it (the form notes the browser in the
  ticket's transaction, kb.tenant_hooks; the change-feed subscriber kb.feed decides), even after "this answered
  my question": a customer who files anyway was not deflected;
- deflected, at once on "this answered my question" (or a "yes" vote on the article), or when 24 hours pass
  with no request (`finalise_deflections`, run periodically and lazily before the numbers are read).

Bots never start one (kb.browser.is_bot). Every step is a conditional UPDATE, so running one twice changes
nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from kb.models import Article, DailyCount, Deflection
from kb.services.feedback import count
from tickets import clock

WINDOW = timedelta(hours=24)
Outcome = Deflection.Outcome


def open_suggestion(*, article: Article, browser: str, now: datetime | None = None) -> Deflection:
    """The browser opened `article` from the request form's suggestions (`article` is public: the view takes it
    from kb.selectors.public_articles)."""
    now = now or clock.now()
    with transaction.atomic():
        count(DailyCount.Metric.SUGGESTION_OPENED, day=now.date())
        current = (
            Deflection.objects.select_for_update()
            .filter(browser=browser, opened_at__gt=now - WINDOW, outcome=Outcome.PENDING)
            .order_by("-opened_at")
            .first()
        )
        if current is not None:
            if current.article_id != article.pk:
                current.article = article  # the last one opened is the one most likely to have answered
                current.save(update_fields=["article"])
            return current
        return Deflection.objects.create(article=article, browser=browser, opened_at=now)


def confirm_answered(*, browser: str, article: Article | None = None, now: datetime | None = None) -> int:
    """ "This answered my question": the browser's pending deflection counts now. Returns how many changed."""
    now = now or clock.now()
    pending = Deflection.objects.filter(browser=browser, opened_at__gt=now - WINDOW, outcome=Outcome.PENDING)
    fields = {"outcome": Outcome.DEFLECTED, "answered_at": now, "decided_at": now}
    if article is not None:
        fields["article"] = article
    return pending.update(**fields)


def record_request_filed(*, browser: str, now: datetime | None = None) -> int:
    """The browser filed a request at `now`: none of its deflections opened in the 24 hours before counts (the
    feed may hand the filing over late: suggestions opened after it are another visit and stay as they are)."""
    now = now or clock.now()
    return Deflection.objects.filter(
        browser=browser,
        opened_at__gt=now - WINDOW,
        opened_at__lte=now,
        outcome__in=[Outcome.PENDING, Outcome.DEFLECTED],
    ).update(outcome=Outcome.FILED, decided_at=clock.now())


def finalise_deflections(*, now: datetime | None = None) -> int:
    """Pending deflections older than the window count as deflected (in the tenant in scope)."""
    now = now or clock.now()
    return Deflection.objects.filter(outcome=Outcome.PENDING, opened_at__lte=now - WINDOW).update(
        outcome=Outcome.DEFLECTED, decided_at=now
    )
