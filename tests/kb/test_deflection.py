"""Deflection counting: a suggestion opened from the request form counts once no request follows from that
browser within 24 hours, or at once on "this answered my question"; a request filed within the day overrides
both (decided from the change feed: kb.feed); bots and staff never count; the finaliser is idempotent; nothing
personal is stored, and a ticket is not left linked to a browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kb import services
from kb.browser import COOKIE
from kb.feed import FEED_SUBSCRIBER
from kb.models import Deflection, FiledRequest
from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.kb.factories import ArticleFactory
from tickets.feed.dispatch import drain
from tickets.models import FeedReceipt, Ticket

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (Macintosh) Safari/605.1.15"}
FORM = {"name": "Robin", "email": "robin@example.com", "subject": "Refund for a duplicate charge",
        "description": "I was charged twice.", "category": "", "website": ""}  # fmt: skip


@pytest.fixture
def article(tenant):
    return ArticleFactory(tenant=tenant, title="Refund a duplicate charge", slug="duplicate-charge",
                          body_markdown="We refund duplicate charges within 5 days.")  # fmt: skip


def deflections(tenant) -> list[tuple[str, int]]:
    with tenant_context(tenant):
        return list(Deflection.objects.order_by("id").values_list("outcome", "article_id"))


def open_from_form(client: Client, slug: str):
    return client.get(f"/help/suggested/{slug}/")


def file_request(client: Client, tenant, form: dict = FORM):
    """Post the portal form, then hand the change feed to its subscribers (the drain task runs on commit; these
    tests run inside one transaction that never commits)."""
    response = client.post("/new/", form)
    with tenant_context(tenant):
        drain()
    return response


def test_open_suggestion_starts_a_pending_deflection_with_a_one_day_cookie(tenant, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    # when a visitor opens a suggested article from the form
    response = open_from_form(client, article.slug)
    # then they land on the article, marked as coming from the form, and one deflection is pending
    assert response.status_code == 302 and response["Location"] == "/help/articles/duplicate-charge/?from=form"
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == 86400 and cookie["httponly"]
    assert deflections(tenant) == [("pending", article.pk)]
    # and what is stored is a keyed digest, not the cookie's token
    with tenant_context(tenant):
        assert Deflection.objects.get().browser != cookie.value and len(Deflection.objects.get().browser) == 64
    assert "This answered my question" in client.get(response["Location"]).text


def test_open_suggestion_twice_is_one_deflection_for_the_last_article(tenant, article):
    other = ArticleFactory(tenant=tenant, title="Card declined", slug="card-declined")
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    open_from_form(client, other.slug)
    assert deflections(tenant) == [("pending", other.pk)]


def test_deflection_counts_after_24_hours_without_a_request(tenant, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    with tenant_context(tenant):
        # a day minus a minute later: still pending
        assert services.finalise_deflections(now=timezone.now() + timedelta(hours=23, minutes=59)) == 0
        # a day later: deflected, and running the finaliser again changes nothing
        assert services.finalise_deflections(now=timezone.now() + timedelta(hours=24, minutes=1)) == 1
        assert services.finalise_deflections(now=timezone.now() + timedelta(hours=48)) == 0
    assert deflections(tenant) == [("deflected", article.pk)]


def test_deflection_request_filed_from_that_browser_is_not_counted(tenant, desk, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    # when the same browser then files a request through the form
    response = file_request(client, tenant)
    assert response.status_code == 302
    # then the deflection is decided as filed (by the KB's feed subscriber), and the finaliser leaves it so
    assert deflections(tenant) == [("filed", article.pk)]
    with tenant_context(tenant):
        assert FeedReceipt.objects.filter(subscriber=FEED_SUBSCRIBER).count() == 1
        assert not FiledRequest.objects.exists()  # the ticket is no longer linked to the browser
    with tenant_context(tenant):
        services.finalise_deflections(now=timezone.now() + timedelta(days=2))
        assert Ticket.objects.count() == 1
    assert deflections(tenant) == [("filed", article.pk)]


def test_deflection_request_filed_by_another_browser_does_not_matter(tenant, desk, article):
    open_from_form(Client(HTTP_HOST=tenant.host, **BROWSER), article.slug)
    file_request(Client(HTTP_HOST=tenant.host, **BROWSER), tenant)
    assert deflections(tenant) == [("pending", article.pk)]


def test_deflection_failed_form_post_does_not_count_as_filed(tenant, desk, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    assert file_request(client, tenant, {**FORM, "email": "not an address"}).status_code == 400
    assert deflections(tenant) == [("pending", article.pk)]


def test_deflection_this_answered_my_question_counts_at_once(tenant, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    response = client.post(f"/help/articles/{article.slug}/answered/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Glad we could help" in response.text
    assert deflections(tenant) == [("deflected", article.pk)]


def test_deflection_yes_vote_on_a_suggested_article_counts_at_once(tenant, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    client.post(f"/help/articles/{article.slug}/vote/", {"helpful": "yes"})
    assert deflections(tenant) == [("deflected", article.pk)]


def test_deflection_answered_then_filed_within_the_day_is_not_counted(tenant, desk, article):
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    client.post(f"/help/articles/{article.slug}/answered/")
    file_request(client, tenant)
    assert deflections(tenant) == [("filed", article.pk)]


@pytest.mark.parametrize(
    "agent", ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0", "python-requests/2.32", ""]
)
def test_deflection_bots_are_not_counted(tenant, article, agent):
    client = Client(HTTP_HOST=tenant.host, HTTP_USER_AGENT=agent)
    assert open_from_form(client, article.slug).status_code == 302
    assert deflections(tenant) == []


def test_deflection_staff_are_not_counted(tenant, article, agent):
    client = host_client(tenant, agent)
    open_from_form(client, article.slug)
    assert deflections(tenant) == []


def test_deflection_of_an_internal_article_cannot_be_started(tenant):
    hidden = ArticleFactory(tenant=tenant, slug="internal-one", visibility="internal")
    assert open_from_form(Client(HTTP_HOST=tenant.host, **BROWSER), hidden.slug).status_code == 404
    assert deflections(tenant) == []


@pytest.mark.django_db(transaction=True)
def test_finalise_deflections_task_decides_due_ones_in_every_tenant_once(tenant, other_tenant):
    from kb.tasks import finalise_deflections_task
    from tests.kb.factories import DeflectionFactory

    # given a day-old pending deflection in each tenant, and a fresh one
    old = timezone.now() - timedelta(hours=25)
    DeflectionFactory(tenant=tenant, opened_at=old)
    DeflectionFactory(tenant=other_tenant, opened_at=old)
    DeflectionFactory(tenant=tenant)
    # when the periodic job runs twice
    first, second = finalise_deflections_task(), finalise_deflections_task()
    # then the two due ones are decided, once; the fresh one waits
    assert (first, second) == (2, 0)
    assert sorted(outcome for outcome, _ in deflections(tenant)) == ["deflected", "pending"]
    assert [outcome for outcome, _ in deflections(other_tenant)] == ["deflected"]


def test_deflection_filing_handed_over_late_still_counts_as_filed(tenant, desk, article):
    # given a browser that opened a suggestion and then filed a request, the feed not yet drained
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    assert client.post("/new/", FORM).status_code == 302
    with tenant_context(tenant):
        assert FiledRequest.objects.count() == 1
        # when the finaliser runs first (a day later) and the feed only afterwards, twice
        services.finalise_deflections(now=timezone.now() + timedelta(hours=25))
        drain()
        drain()
    # then the filing, decided at the ticket's creation time, still wins over the early "deflected"
    assert deflections(tenant) == [("filed", article.pk)]


def test_deflection_suggestion_opened_after_filing_is_a_new_visit(tenant, desk, article):
    # given a browser that filed a request, then opened a suggestion, before the feed was drained
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    assert client.post("/new/", FORM).status_code == 302
    open_from_form(client, article.slug)
    with tenant_context(tenant):
        drain()
    # then the later visit stays pending: the filing came before it
    assert deflections(tenant) == [("pending", article.pk)]


def test_deflection_requests_of_a_drain_batch_are_decided_with_one_read_of_the_notes(tenant, desk, article):
    # given two browsers that opened a suggestion and filed requests, and two requests filed without the cookie,
    # none yet handed to the feed's subscribers
    browsers = [Client(HTTP_HOST=tenant.host, **BROWSER) for _ in range(2)]
    for browser in browsers:
        open_from_form(browser, article.slug)
    for index, client in enumerate([*browsers, *(Client(HTTP_HOST=tenant.host, **BROWSER) for _ in range(2))]):
        assert client.post("/new/", {**FORM, "email": f"robin{index}@example.com"}).status_code == 302
    # when the feed is drained (one batch)
    with tenant_context(tenant), CaptureQueriesContext(connection) as captured:
        drain()
    # then both deflections are decided as filed, no ticket stays linked to a browser, and the notes of the four
    # new tickets were read once
    assert deflections(tenant) == [("filed", article.pk), ("filed", article.pk)]
    with tenant_context(tenant):
        assert not FiledRequest.objects.exists()
        assert FeedReceipt.objects.filter(subscriber=FEED_SUBSCRIBER).count() == 4
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "kb_filedrequest"')]
    assert len(reads) == 1


@pytest.mark.django_db(transaction=True)
def test_deflection_filed_request_is_decided_by_the_live_feed(tenant, desk, article):
    # given a browser that opened a suggestion (committed requests, the drain task runs on commit)
    client = Client(HTTP_HOST=tenant.host, **BROWSER)
    open_from_form(client, article.slug)
    # when it files a request
    assert client.post("/new/", FORM).status_code == 302
    # then the feed subscriber decided it as filed, and the note linking ticket and browser is gone
    assert deflections(tenant) == [("filed", article.pk)]
    with tenant_context(tenant):
        assert not FiledRequest.objects.exists()
