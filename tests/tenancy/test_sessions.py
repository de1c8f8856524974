"""A session is bound to the host (tenant, or the platform) it was created on and refused on every other."""

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
    client.force_login(agent.user, backend="django.contrib.auth.backends.ModelBackend")
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
