"""The change feed's housekeeping: done entries (with their receipts) are pruned, and each subscriber's lag is
reported by /healthz and judged by /healthz/scheduler."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tenancy.context import no_tenant, tenant_context, unscoped
from tenancy.tasks import HEARTBEAT_KEY
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.feed.housekeeping import prune_done_entries
from tickets.feed.tasks import prune_feed_task
from tickets.models import FeedEntry, FeedReceipt, Queue


def _three_entries(owner, contact) -> list[FeedEntry]:
    """Three tickets' creation entries in `owner`, each taken by a subscriber (so each has a receipt)."""
    with tenant_context(owner):
        for subject in ("One", "Two", "Three"):
            services.create_ticket(actor=contact, contact=contact, subject=subject, body="Hello")
        entries = list(FeedEntry.objects.order_by("pk"))
        assert all(FeedReceipt.objects.filter(entry=entry, subscriber="test-taker").exists() for entry in entries)
        return entries


@pytest.mark.django_db(transaction=True)
def test_pruning_deletes_only_old_done_entries_with_their_receipts_in_every_tenant(
    tenant, other_tenant, desk, subscribe
):
    # given, in two tenants, an entry done long ago, one done recently, and an old one still undone
    subscribe("test-taker", lambda change: None)
    with tenant_context(other_tenant):
        Queue.objects.create(name="Inbox", is_default=True)
    old = timezone.now() - timedelta(days=settings.FEED_RETENTION_DAYS + 1)
    kept = []
    for owner, contact in ((tenant, desk["contact"]), (other_tenant, ContactFactory(tenant=other_tenant))):
        done_long_ago, done_recently, undone = _three_entries(owner, contact)
        with tenant_context(owner):
            FeedEntry.objects.filter(pk=done_long_ago.pk).update(created_at=old, done_at=old)
            FeedEntry.objects.filter(pk=undone.pk).update(created_at=old, done_at=None)
        kept += [done_recently.pk, undone.pk]
    # when the periodic prune runs
    deleted = prune_feed_task()
    # then the two old done entries went, with their receipts, across both tenants, and nothing else
    assert deleted == 2
    with unscoped():
        assert sorted(FeedEntry.objects.values_list("pk", flat=True)) == sorted(kept)
        assert sorted(FeedReceipt.objects.values_list("entry_id", flat=True).distinct()) == sorted(kept)


@pytest.mark.django_db(transaction=True)
def test_pruning_goes_in_batches_until_nothing_old_is_left(tenant, desk, subscribe):
    # given three entries done long ago
    subscribe("test-taker", lambda change: None)
    entries = _three_entries(tenant, desk["contact"])
    old = timezone.now() - timedelta(days=30)
    with tenant_context(tenant):
        FeedEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(done_at=old)
    # when pruned one id per DELETE
    assert prune_done_entries(older_than_days=14, batch_size=1) == 3
    # then none is left
    with unscoped():
        assert not FeedEntry.objects.exists()
        assert not FeedReceipt.objects.exists()


def _fresh_heartbeat() -> None:
    with no_tenant():
        cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


@pytest.mark.django_db(transaction=True)
def test_a_lagging_subscriber_fails_the_scheduler_check_by_name(client, tenant, new_ticket, subscribe):
    # given a live scheduler, a subscriber that keeps failing and one that keeps up
    _fresh_heartbeat()
    subscribe("test-lagging", _fail)
    subscribe("test-keeping-up", lambda change: None)
    ticket = new_ticket()
    # and the entry the failing one never took is older than the alarm threshold
    with tenant_context(tenant):
        entry = FeedEntry.objects.get(ticket=ticket)
        assert entry.done_at is None
        age = settings.FEED_LAG_ALERT_SECONDS + 60
        FeedEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(seconds=age))
    # when the health endpoints are asked
    scheduler = client.get("/healthz/scheduler")
    web = client.get("/healthz")
    # then the scheduler check fails naming the lagging subscriber and its entry, and only that one
    assert scheduler.status_code == 503
    problems = scheduler.json()["problems"]
    assert len(problems) == 1 and "test-lagging" in problems[0] and f"#{entry.pk}" in problems[0]
    lags = scheduler.json()["feed_subscribers"]
    assert lags["test-lagging"]["oldest_unconsumed_entry"] == entry.pk
    assert lags["test-lagging"]["oldest_unconsumed_seconds"] >= age
    assert lags["test-keeping-up"]["oldest_unconsumed_entry"] is None
    # and /healthz reports the same lag but stays healthy: it is about the web
    assert web.status_code == 200
    assert web.json()["feed_subscribers"]["test-lagging"]["oldest_unconsumed_entry"] == entry.pk


@pytest.mark.django_db(transaction=True)
def test_an_entry_a_subscriber_does_not_want_is_not_its_lag(client, tenant, new_ticket, subscribe):
    # given a live scheduler, a subscriber that fails on everything and one that wants nothing it sees
    _fresh_heartbeat()
    subscribe("test-lagging", _fail)
    subscribe("test-picky", lambda change: None, accepts=lambda change: False)
    ticket = new_ticket()
    with tenant_context(tenant):
        FeedEntry.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(hours=1))
    # when the scheduler check is asked
    lags = client.get("/healthz/scheduler").json()["feed_subscribers"]
    # then the undone entry without the picky one's receipt is not counted against it
    assert lags["test-picky"]["oldest_unconsumed_entry"] is None
    assert lags["test-lagging"]["oldest_unconsumed_entry"] is not None


def _fail(change):
    raise RuntimeError("subscriber down")
