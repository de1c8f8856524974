"""A tenant's lists unpickled once per process (tenancy.tenant_lists): later requests take the process's copy of
the version they read, a change shows at once, each tenant gets its own, and the process keeps a bounded number."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tenancy.memo import request_memo
from tenancy.process_copies import ProcessCopies
from tickets import picklists
from tickets.models import Queue

pytestmark = pytest.mark.django_db


def _queue_names() -> set[str]:
    with request_memo():
        return {queue.name for queue in picklists.picklists().queues}


def _shared_key(tenant_id: int) -> str:
    return f"picklists:{tenant_id}:{cache.get(f'picklists-version:{tenant_id}')}{picklists.LISTS.shape}"


def test_a_later_request_takes_the_process_copy_without_the_shared_cache_or_the_database(tenant, desk):
    with tenant_context(tenant):
        # given one request has read the lists
        first = _queue_names()
        # and the shared cache no longer holds them (evicted by another process's writes, say)
        cache.delete(_shared_key(tenant.pk))
        # when the next request reads them
        with CaptureQueriesContext(connection) as queries:
            second = _queue_names()
    # then they come from this process's copy: no query, the same lists
    assert second == first and first
    assert len(queries) == 0


def test_a_change_shows_at_once_and_other_tenants_keep_their_own(tenant, other_tenant, desk):
    with tenant_context(other_tenant):
        theirs = _queue_names()
    with tenant_context(tenant):
        before = _queue_names()
        # when a queue is renamed (its signal gives the tenant a new version)
        queue = Queue.objects.get(name=sorted(before)[0])
        queue.name = "Renamed queue"
        queue.save()
        after = _queue_names()
    # then the next read shows it, from the new version rather than the process's old copy
    assert "Renamed queue" in after and "Renamed queue" not in before
    with tenant_context(other_tenant):
        assert _queue_names() == theirs


def test_the_process_keeps_a_bounded_number_of_copies():
    copies = ProcessCopies(2)
    loads = []
    for key in ("a", "b", "a", "c", "a", "b"):
        copies.kept(key, lambda key=key: loads.append(key) or key)
    # "a" stayed (read again before "c" came), "b" was the least recently used when "c" arrived
    assert loads == ["a", "b", "c", "b"]
    assert list(copies) == ["a", "b"]


def test_a_request_reads_the_versions_of_every_list_in_one_round_trip(tenant, desk):
    from unittest import mock

    from tickets.custom_fields import definitions

    with tenant_context(tenant):
        # given both lists read once (their versions exist)
        with request_memo():
            picklists.picklists(), definitions.field_definitions()
        # when a request reads both
        with (
            request_memo(),
            mock.patch.object(cache, "get", wraps=cache.get) as gets,
            mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_manys,
        ):
            picklists.picklists(), definitions.field_definitions()
    # then one get_many read both versions, and no version was read on its own
    assert len(get_manys.call_args_list) == 1
    assert {f"picklists-version:{tenant.pk}", f"custom-fields-version:{tenant.pk}"} <= set(
        get_manys.call_args_list[0].args[0]
    )
    assert not [c for c in gets.call_args_list if "-version:" in c.args[0]]


def test_a_list_made_after_the_request_read_the_versions_still_gets_one(tenant, desk, monkeypatch):
    from tenancy import tenant_lists

    monkeypatch.setattr(tenant_lists, "_LISTS", list(tenant_lists._LISTS))  # (the made list goes with the test)
    with tenant_context(tenant), request_memo():
        # given a request that has read the versions of the lists made so far
        picklists.picklists()
        # when a list is made later in it (its module imported late) and read
        late = tenant_lists.TenantList("late-list", lambda: ["late"])
        # then it has its version and its rows, as any other
        assert late.get() == ["late"]
        assert cache.get(f"late-list-version:{tenant.pk}")
