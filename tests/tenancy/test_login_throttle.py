"""Sign-in throttling: django-axes counts the client (not our proxy), and spraying across accounts is capped."""

import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.test_deploy_settings import PRODUCTION_ENV, ROOT

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def _login(client: Client, email: str, password: str, **meta):
    return client.post("/accounts/login/", {"username": email, "password": password}, **meta)


def test_behind_the_proxy_axes_is_configured_to_count_the_client():
    # when the production settings (BEHIND_PROXY=true) are loaded
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.AXES_CLIENT_IP_CALLABLE)"],
        cwd=ROOT, env={**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # then axes takes the client's address from what our proxy appended
    assert result.stdout.strip() == "tenancy.net.client_ip", result.stderr


def test_behind_the_proxy_one_client_cannot_lock_an_account_for_everyone(tenant, agent, settings):
    # given the site behind our proxy, and an attacker who fails as the agent until axes locks them out
    settings.AXES_CLIENT_IP_CALLABLE = "tenancy.net.client_ip"
    settings.RATELIMIT_IP_META_KEY = "tenancy.net.client_ip"
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    client = Client(HTTP_HOST=tenant.host)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "agent@acme.example", "wrong-password", **attacker)
    assert _login(client, "agent@acme.example", PASSWORD, **attacker).status_code == 429
    # when the agent signs in through the same proxy from their own address
    response = _login(Client(HTTP_HOST=tenant.host), "agent@acme.example", PASSWORD, REMOTE_ADDR=PROXY,
                      HTTP_X_FORWARDED_FOR="198.51.100.7")  # fmt: skip
    # then they get in: the lock is the attacker's alone
    assert response.status_code == 302


def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_lock(tenant, agent, settings):
    # given no proxy of ours in front, and a client that fails until locked while inventing X-Forwarded-For
    client = Client(HTTP_HOST=tenant.host)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "agent@acme.example", "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    # when it tries once more with yet another made-up address
    response = _login(client, "agent@acme.example", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    # then it is still locked
    assert response.status_code == 429


def test_password_spraying_across_accounts_is_capped_per_client(tenant, agent, settings):
    # given a cap of six failed sign-ins per client, and a client guessing once at each of many accounts
    settings.LOGIN_FAILURES_PER_CLIENT = "6/h"
    sprayer = Client(HTTP_HOST=tenant.host)
    statuses = [_login(sprayer, f"person{n}@acme.example", "Summer2025!").status_code for n in range(6)]
    assert statuses == [200] * 6  # each account has failed once only: far below axes' per-account lock
    # when it tries a further account, even with that account's right password
    response = _login(sprayer, "agent@acme.example", PASSWORD)
    # then it is paused, with a clear page
    assert response.status_code == 429
    assert "Too many failed sign-ins from your network" in response.text
    # and another client is not affected
    assert (
        _login(Client(HTTP_HOST=tenant.host), "agent@acme.example", PASSWORD, REMOTE_ADDR="192.0.2.9").status_code
        == 302
    )


def test_successful_sign_ins_do_not_count_towards_the_client_cap(tenant, agent, settings):
    settings.LOGIN_FAILURES_PER_CLIENT = "2/h"
    for _ in range(4):
        client = Client(HTTP_HOST=tenant.host)
        assert _login(client, "agent@acme.example", PASSWORD).status_code == 302
