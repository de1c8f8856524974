"""Sign in by email, sign out, throttling, password reset on the tenant's host, password change."""

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, host_client, make_member


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


@pytest.mark.django_db
def test_sign_in_by_email_is_case_insensitive_and_lands_staff_on_the_desk(tenant, agent):
    # when the agent signs in with their email in capitals
    client = host_client(tenant)
    response = _login(client, "AGENT@Acme.Example")
    # then they are signed in and sent on to the desk
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/desk/"


@pytest.mark.django_db
def test_customer_lands_on_the_portal(tenant, customer):
    client = host_client(tenant)
    response = _login(client, "customer@acme.example")
    assert client.get(response["Location"])["Location"] == "/"


@pytest.mark.django_db
def test_wrong_password_shows_a_clear_message(tenant, agent):
    # when the password is wrong
    response = _login(host_client(tenant), "agent@acme.example", "wrong-password")
    # then the form says so and keeps the email
    assert response.status_code == 200
    assert "correct email and password" in response.text
    assert 'value="agent@acme.example"' in response.text


@pytest.mark.django_db
def test_sign_out_needs_post_and_ends_the_session(tenant, agent):
    client = host_client(tenant, agent)
    assert client.get("/desk/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/desk/").status_code == 302


@pytest.mark.django_db
def test_sessions_do_not_cross_tenant_hosts(tenant, other_tenant, agent):
    # given an agent signed in on acme's host
    client = host_client(tenant, agent)
    # when the same browser session cookie is sent to globex's host
    response = client.get("/desk/", HTTP_HOST=other_tenant.host)
    # then globex does not know them as staff
    assert response.status_code in (302, 404)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_for_that_address(tenant, agent, settings):
    # given the throttle allows five failures
    client = host_client(tenant)
    statuses = [
        _login(client, email, "wrong-password").status_code
        for email in ["agent@acme.example", "AGENT@acme.example"] * (settings.AXES_FAILURE_LIMIT // 2 + 1)
    ]
    # when the right password follows
    response = _login(client, "agent@acme.example")
    # then failures in any letter case counted together, and the account stays locked for now
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 429
    assert "Too many" in response.text


@pytest.mark.django_db
def test_password_reset_mails_a_link_on_the_tenants_host(tenant, agent, django_capture_on_commit_callbacks):
    # when the agent asks for a reset on acme's host
    with django_capture_on_commit_callbacks(execute=True):
        response = host_client(tenant).post("/accounts/password/reset/", {"email": "agent@acme.example"})
    # then one mail goes out (through the outbox), to them, with a link on acme's host that sets a new password
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["agent@acme.example"]
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert link.startswith("http://acme.localhost/accounts/password/reset/")
    client = host_client(tenant)
    form_page = client.get(link.removeprefix("http://acme.localhost"), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert done.status_code == 302
    assert _login(host_client(tenant), "agent@acme.example", "a-new-long-passphrase").status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_nothing_for_strangers_to_this_tenant(
    tenant, other_agent, django_capture_on_commit_callbacks
):
    # when someone who belongs only to globex asks on acme's host
    with django_capture_on_commit_callbacks(execute=True):
        response = host_client(tenant).post("/accounts/password/reset/", {"email": "agent@globex.example"})
    # then the page looks the same (nothing to probe) and no mail leaves
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_change_password(tenant, customer):
    client = host_client(tenant, customer)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert _login(host_client(tenant), "customer@acme.example", "another-long-passphrase").status_code == 302


@pytest.mark.django_db
def test_user_without_membership_sees_only_the_public_portal(tenant, other_tenant):
    # given someone who belongs only to globex
    stranger = make_member(other_tenant, "admin", "boss@globex.example")
    client = host_client(tenant)
    # when they sign in on acme's host
    assert _login(client, "boss@globex.example").status_code == 302
    # then acme's portal is open to them but no staff page is
    assert client.get("/").status_code == 200
    assert client.get("/desk/").status_code == 404
    assert client.get("/desk/settings/").status_code == 404
    assert stranger.tenant == other_tenant
