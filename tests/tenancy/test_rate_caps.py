"""tenancy.rate_caps: a request counted against several caps in one cache round trip, in order, stopping at the
first it goes over; without Redis, django-ratelimit counts them as before."""

from __future__ import annotations

from unittest import mock

import pytest
import redis.connection
from django.test import RequestFactory

from tenancy import rate_caps
from tenancy.context import tenant_context
from tenancy.rate_caps import Cap
from tests.conftest import host_client

pytestmark = pytest.mark.django_db


def _request(ip: str = "198.51.100.20"):
    return RequestFactory().post("/new/", REMOTE_ADDR=ip)


def _caps(n: int) -> list[Cap]:
    return [Cap("test-net", "198.51.100.20", "3/h"), Cap("test-address", f"a{n}@example.com", "2/h")]


@pytest.mark.parametrize("redis_script", [True, False])
def test_caps_count_in_order_and_stop_at_the_first_over(tenant, monkeypatch, redis_script):
    if not redis_script:
        monkeypatch.setattr(rate_caps, "_redis", lambda backend: None)
    with tenant_context(tenant):
        # when one network sends four requests, three of them for one address
        results = [rate_caps.first_over(_request(), _caps(n)) for n in (1, 1, 1, 2)]
        # then the address's cap refuses its third, the network's cap the fourth (counted first)
        assert results == [None, None, 1, 0]
        # and a request refused for its network was not counted against its address
        assert rate_caps.first_over(_request(), [Cap("test-address", "a2@example.com", "1/h")]) is None


def test_the_caps_are_kept_per_tenant(tenant, other_tenant):
    cap = [Cap("test-net", "198.51.100.30", "1/h")]
    with tenant_context(tenant):
        assert rate_caps.first_over(_request(), cap) is None
        assert rate_caps.first_over(_request(), cap) == 0
    with tenant_context(other_tenant):
        assert rate_caps.first_over(_request(), cap) is None


def test_a_portal_submission_counts_both_caps_in_one_round_trip(tenant, desk):
    # given the portal's lists read once
    client = host_client(tenant)
    form = {"name": "R", "subject": "Help", "description": "x", "category": "", "website": ""}
    client.post("/new/", {**form, "email": "first@example.com"}, REMOTE_ADDR="198.51.100.40")
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(connection, command, check_health=True):
        sent.append(command if isinstance(command, bytes) else b"".join(bytes(part) for part in command))
        return send(connection, command, check_health)

    # when a visitor submits the form
    with mock.patch.object(redis.connection.AbstractConnection, "send_packed_command", counting):
        response = client.post("/new/", {**form, "email": "second@example.com"}, REMOTE_ADDR="198.51.100.41")
    # then the caps (per network, per address) cost the cache one round trip
    assert response.status_code == 302
    assert len([command for command in sent if b"rl:" in command]) == 1
