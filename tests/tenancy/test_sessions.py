"""A session is bound to the host (tenant, or the platform) it was created on and refused on every other."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tenancy.roles import Role
from tests.conftest import PASSWORD, host_client, make_member


def _signed_in(host: str, email: str) -> Client:
    """A browser that signed in with the password form on `host`."""
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def _replay(client: Client, host: str) -> Client:
    """Another browser holding the same session cookie, talking to `host`."""
    thief = Client(HTTP_HOST=host)
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return thief


@pytest.fixture
def member_of_both(tenant, other_tenant):
    """One person (users are global) who is an agent at acme and an admin at globex."""
    acme = make_member(tenant, Role.AGENT, "both@example.com")
    globex = make_member(other_tenant, Role.ADMIN, "both@example.com")
    assert acme.user_id == globex.user_id
    return acme.user


@pytest.mark.django_db
def test_a_session_from_one_tenant_is_refused_on_another_even_for_a_member_of_both(
    tenant, other_tenant, member_of_both
):
    # given the person signed in on acme's host
    acme_browser = _signed_in(tenant.host, "both@example.com")
    assert acme_browser.get("/desk/").status_code == 200
    # when acme's session cookie is sent to globex's host, where the same person is an admin
    thief = _replay(acme_browser, other_tenant.host)
    desk = thief.get("/desk/")
    settings_page = thief.get("/desk/settings/api-keys/")
    # then globex treats the request as anonymous: off to sign in, no admin page
    assert desk.status_code == 302 and desk["Location"].startswith("/accounts/login/")
    assert settings_page.status_code == 302 and settings_page["Location"].startswith("/accounts/login/")
    # and the session still works where it was made
    assert acme_browser.get("/desk/").status_code == 200


@pytest.mark.django_db
def test_a_platform_session_is_refused_on_a_tenant_host(tenant, member_of_both):
    # given the person signed in on the platform host
    platform_browser = _signed_in("localhost", "both@example.com")
    # when that cookie is sent to acme's host
    response = _replay(platform_browser, tenant.host).get("/desk/")
    # then acme does not know them
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_tenant_session_is_refused_on_the_platform_host(tenant, member_of_both):
    # given the person signed in on acme's host
    acme_browser = _signed_in(tenant.host, "both@example.com")
    # when that cookie is sent to the platform host
    landing = _replay(acme_browser, "localhost").get("/")
    # then the landing offers the sign-in form, not their help desks
    assert landing.status_code == 200
    assert "Find the help desks you belong to" in landing.text
    assert "Your help desks" not in landing.text


@pytest.mark.django_db
def test_a_session_without_a_binding_is_anonymous(tenant, agent):
    # given a signed-in session from before sessions were bound (no host recorded in it)
    client = host_client(tenant)
    client.force_login(agent.user, backend="tenancy.auth.UserBackend")
    # when it is used on the host it was made for
    response = client.get("/desk/")
    # then it no longer signs anyone in (deploying the binding invalidates old sessions)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_anonymous_session_from_another_tenant_is_not_read(tenant, other_tenant):
    # given an anonymous session on acme that remembers an address asking for a sign-in link
    acme_browser = Client(HTTP_HOST=tenant.host)
    session = acme_browser.session
    session["portal_sign_in_email"] = "someone@example.com"
    session["_tessera_host"] = f"t{tenant.pk}"
    session.save()
    acme_browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert "someone@example.com" in acme_browser.get("/sign-in/sent/").text
    # when the cookie goes to globex
    response = _replay(acme_browser, other_tenant.host).get("/sign-in/sent/")
    # then globex sees an empty session
    assert response.status_code == 302


@pytest.mark.django_db
def test_signing_out_and_in_again_on_the_same_host_works(tenant, agent):
    client = _signed_in(tenant.host, "agent@acme.example")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/desk/").status_code == 302
    assert client.post("/accounts/login/", {"username": "agent@acme.example", "password": PASSWORD}).status_code == 302
    assert client.get("/desk/").status_code == 200


# --- Hand-over from the platform picker ------------------------------------------------------------------------


def _handover_path(platform_browser: Client, tenant) -> str:
    """Follow the picker's link for `tenant`: the path (with token) it sends the browser to on the tenant host."""
    response = platform_browser.get(f"/open/{tenant.slug}/")
    assert response.status_code == 302, response.content
    location = response["Location"]
    prefix = tenant.url("")
    assert location.startswith(prefix), location
    return location.removeprefix(prefix)


@pytest.mark.django_db(transaction=True)
def test_the_picker_hands_over_with_a_token_spent_once_by_a_post(tenant, other_tenant, member_of_both):
    # given the person signed in on the platform host, whose picker links to the hand-over
    platform_browser = _signed_in("localhost", "both@example.com")
    assert f'href="/open/{tenant.slug}/"' in platform_browser.get("/").text
    path = _handover_path(platform_browser, tenant)
    token = parse_qs(urlsplit(path).query)["token"][0]
    browser = Client(HTTP_HOST=tenant.host)
    # when the tenant host's page is fetched (a link prefetcher would), twice
    first, second = browser.get(path), browser.get(path)
    # then it only asks, and nobody is signed in yet
    assert first.status_code == second.status_code == 200
    assert "both@example.com" in first.text and "Continue" in first.text
    assert browser.get("/desk/").status_code == 302
    # when the button is pressed
    response = browser.post("/accounts/handover/", {"token": token})
    # then the person is signed in on acme, and on acme only
    assert response.status_code == 302
    assert browser.get("/desk/").status_code == 200
    assert _replay(browser, other_tenant.host).get("/desk/").status_code == 302
    # and the same token, replayed from another browser, signs nobody in
    replay = Client(HTTP_HOST=tenant.host)
    refused = replay.post("/accounts/handover/", {"token": token})
    assert refused.status_code == 400 and "already been used" in refused.text
    assert replay.get("/desk/").status_code == 302


@pytest.mark.django_db
def test_an_expired_handover_token_is_refused(tenant, member_of_both):
    from unittest import mock

    from django.core import signing

    from tenancy import handover

    # given a token minted more than a minute ago
    minted_at = signing.time.time() - handover.HANDOVER_SECONDS - 5
    with mock.patch.object(signing.time, "time", return_value=minted_at):
        token = handover.issue_handover_token(user=member_of_both, tenant=tenant)
    browser = Client(HTTP_HOST=tenant.host)
    # when it is spent
    response = browser.post("/accounts/handover/", {"token": token})
    # then it is refused and nobody is signed in
    assert response.status_code == 400 and "expired" in response.text
    assert browser.get("/desk/").status_code == 302


@pytest.mark.django_db
def test_a_handover_token_works_only_on_its_own_tenant(tenant, other_tenant, member_of_both):
    from tenancy import handover

    # given a token for acme, held by someone who is also a globex admin
    token = handover.issue_handover_token(user=member_of_both, tenant=tenant)
    browser = Client(HTTP_HOST=other_tenant.host)
    # when it is spent on globex's host
    response = browser.post("/accounts/handover/", {"token": token})
    # then globex refuses it
    assert response.status_code == 400 and "another help desk" in response.text
    assert browser.get("/desk/").status_code == 302


@pytest.mark.django_db
def test_a_forged_or_tampered_handover_token_is_refused(tenant, agent):
    from tenancy import handover

    token = handover.issue_handover_token(user=agent.user, tenant=tenant)
    browser = Client(HTTP_HOST=tenant.host)
    assert browser.post("/accounts/handover/", {"token": token[:-2] + "xx"}).status_code == 400
    assert browser.post("/accounts/handover/", {"token": ""}).status_code == 400
    assert browser.get("/accounts/handover/?token=nonsense").status_code == 400
    assert browser.get("/desk/").status_code == 302


@pytest.mark.django_db
def test_the_picker_hands_over_only_to_the_users_own_help_desks(tenant, other_tenant, agent):
    # given an acme agent on the platform host
    browser = _signed_in("localhost", "agent@acme.example")
    # when they ask for globex
    response = browser.get(f"/open/{other_tenant.slug}/")
    # then there is nothing to hand over to
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_handover_for_a_removed_member_is_refused(tenant, agent):
    from tenancy import handover
    from tenancy.context import tenant_context

    # given a token minted while the agent was a member, who is then removed
    token = handover.issue_handover_token(user=agent.user, tenant=tenant)
    with tenant_context(tenant):
        type(agent).objects.filter(pk=agent.pk).update(is_active=False)
    # when it is spent
    response = Client(HTTP_HOST=tenant.host).post("/accounts/handover/", {"token": token})
    # then it is refused
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_request_reads_its_user_without_a_transaction_of_its_own(tenant, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given an agent signed in with the password form (the session names the backend that signed them in)
    client = _signed_in(tenant.host, agent.user.email)
    # when they open the desk
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/").status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    read = next(i for i, sql in enumerate(statements) if 'FROM "tenancy_user"' in sql)
    # then the user is read by itself, before the request's transaction (no BEGIN and COMMIT around it)
    assert "BEGIN" not in statements[:read]
    assert statements[read + 1] == "BEGIN"
