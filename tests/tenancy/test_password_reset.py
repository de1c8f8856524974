"""Password reset: links built from the configured host, never the request's, and requests capped on every host."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tenancy.models import User
from tenancy.views import RESET_RATE_PER_EMAIL, RESET_RATE_PER_IP
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _limit(rate: str) -> int:
    return int(rate.split("/")[0])


def _reset_links() -> list[str]:
    return [re.search(r"https?://\S+", sent.body).group(0) for sent in mail.outbox]


def test_the_platform_reset_link_uses_the_configured_host_not_the_requests(tenant):
    # given a user, and a request to the platform host with a port the attacker chose
    User.objects.create_user("pat@example.com", PASSWORD)
    client = Client(HTTP_HOST="localhost:1337")
    # when a reset is asked for
    response = client.post("/accounts/password/reset/", {"email": "pat@example.com"})
    # then the mailed link is on the platform's configured host and scheme
    assert response.status_code == 302
    [link] = _reset_links()
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    assert link.startswith(f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{port}/accounts/password/reset/")
    assert "1337" not in mail.outbox[0].body


@pytest.mark.parametrize("host", ["localhost", "acme.localhost"])
def test_reset_requests_for_one_address_are_capped(tenant, agent, host, django_capture_on_commit_callbacks):
    client = Client(HTTP_HOST=host)
    ask = {"email": "agent@acme.example"}
    # when the same address is asked for more often than the cap allows, from changing addresses
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post("/accounts/password/reset/", ask, REMOTE_ADDR=f"10.0.0.{n}").status_code
            for n in range(_limit(RESET_RATE_PER_EMAIL) + 2)
        ]
    # then the requests over the cap are refused with a clear message, and no more mail leaves
    assert statuses[: _limit(RESET_RATE_PER_EMAIL)] == [302] * _limit(RESET_RATE_PER_EMAIL)
    assert statuses[-2:] == [429, 429]
    assert len(mail.outbox) == _limit(RESET_RATE_PER_EMAIL)
    assert "Several reset links" in client.post("/accounts/password/reset/", {"email": "agent@acme.example"}).text


@pytest.mark.parametrize("host", ["localhost", "acme.localhost"])
def test_reset_requests_from_one_client_are_capped(tenant, host):
    client = Client(HTTP_HOST=host)
    # when one client asks for many different addresses
    statuses = [
        client.post("/accounts/password/reset/", {"email": f"user{n}@example.com"}).status_code
        for n in range(_limit(RESET_RATE_PER_IP) + 1)
    ]
    # then it is stopped at the cap
    assert statuses[:-1] == [302] * _limit(RESET_RATE_PER_IP)
    assert statuses[-1] == 429
