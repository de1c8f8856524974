"""The per-request memo of the tenant's cached lists (tenancy.memo): one read per request, a change made by the
request visible at once, nothing kept outside a request or between tenants."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tenancy.memo import remembered, request_memo
from tickets import picklists
from tickets.custom_fields.definitions import field_definitions
from tickets.models import CustomField, Queue

pytestmark = pytest.mark.django_db


def test_remembered_loads_once_inside_a_request_and_every_time_outside():
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    # given no request: every call loads
    assert (remembered("k", load), remembered("k", load)) == (1, 2)
    # when inside a request's memo
    with request_memo():
        inside = (remembered("k", load), remembered("k", load))
    # then it loads once there, and the memo ends with the block
    assert inside == (3, 3)
    assert remembered("k", load) == 4


def test_a_change_made_by_the_request_shows_in_the_same_request(tenant, other_tenant, desk):
    # given a request that has read its tenant's lists and field definitions
    with tenant_context(tenant), request_memo():
        before = {queue.name for queue in picklists.picklists().queues}
        fields_before = field_definitions()
        # when it adds a queue and a field (their signals forget the lists)
        Queue.objects.create(name="Returns")
        CustomField.objects.create(key="order", label="Order number", type="text", position=1)
        after = {queue.name for queue in picklists.picklists().queues}
        fields_after = field_definitions()
    # then the rest of the request sees both
    assert "Returns" not in before and "Returns" in after
    assert [f.key for f in fields_after] == [*[f.key for f in fields_before], "order"]
    # and another tenant's lists never came from that memo
    with tenant_context(other_tenant), request_memo():
        assert "Returns" not in {queue.name for queue in picklists.picklists().queues}
