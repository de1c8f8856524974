"""Passwordless portal sign-in: a link mailed only to known contacts, single use, expiring, on its own tenant."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tenancy.context import tenant_context
from tenancy.models import Membership, User
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets.models import Contact, OutboundEmail, PortalSignInToken
from tickets.services import portal_access
from tickets.views import portal_access as access_views

pytestmark = pytest.mark.django_db


def _mailed_link(tenant, email: str) -> str:
    """The link in the sign-in mail: from the stored row while the transaction is open (these tests), from what
    was sent once it committed (the stored copy loses its link when sent)."""
    pattern = r"https?://\S+/sign-in/[\w-]+/"
    for sent in reversed(mail.outbox):
        if sent.to == [email] and re.search(pattern, sent.body):
            return re.search(pattern, sent.body).group(0)
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.SIGN_IN, to_address=email).latest("id")
    return re.search(pattern, outbound.body_text).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _ask(client, email: str, **extra):
    return client.post("/sign-in/", {"email": email}, **extra)


def test_sign_in_link_is_mailed_to_a_contact_on_the_tenant_host_with_only_its_hash_stored(tenant, desk):
    # when a known contact asks for a link
    response = _ask(host_client(tenant), "Pat@Customer.example")
    # then they are told to check their mail, and a link on acme's host is mailed to them
    assert response.status_code == 302 and response["Location"] == "/sign-in/sent/"
    link = _mailed_link(tenant, "pat@customer.example")
    assert link.startswith(f"http://{tenant.host}/sign-in/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64
    # and only the SHA-256 of the token is stored, expiring in thirty minutes
    with tenant_context(tenant):
        row = PortalSignInToken.objects.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)


def test_sign_in_link_request_answers_the_same_for_strangers_and_mails_them_nothing(tenant, desk):
    client = host_client(tenant)
    known = _ask(client, "pat@customer.example")
    stranger = _ask(client, "nobody@example.com")
    # then both get the same answer, and only the contact gets mail
    assert (known.status_code, known["Location"]) == (stranger.status_code, stranger["Location"])
    sent_page = client.get("/sign-in/sent/").text
    assert "If <strong>nobody@example.com</strong> is known" in sent_page
    with tenant_context(tenant):
        assert not OutboundEmail.objects.filter(to_address="nobody@example.com").exists()
        assert not PortalSignInToken.objects.filter(email="nobody@example.com").exists()


def test_first_sign_in_creates_the_user_and_customer_membership_and_links_the_contact(tenant, desk):
    # given a contact who never signed in
    client = host_client(tenant)
    _ask(client, "pat@customer.example")
    path = _path(_mailed_link(tenant, "pat@customer.example"))
    # when they open the link: a page to continue, which changes nothing (mail scanners open links too)
    page = client.get(path)
    assert page.status_code == 200 and "pat@customer.example" in page.text
    assert page["Referrer-Policy"] == "same-origin"
    assert not User.objects.filter(email="pat@customer.example").exists()
    # and continue
    response = client.post(path)
    # then they have a user without a usable password, a customer membership linked to their contact,
    # and they are signed in to the portal
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="pat@customer.example")
    assert not user.has_usable_password()
    with tenant_context(tenant):
        membership = Membership.objects.get(user=user)
        assert membership.role == Role.CUSTOMER
        assert Contact.objects.get(pk=desk["contact"].pk).membership_id == membership.pk
    assert "Your requests" in client.get("/").text


def test_no_sign_in_link_is_mailed_to_a_staff_address(tenant, desk, admin):
    # given acme's admin filed a portal request, so their address is a contact of acme
    client = host_client(tenant)
    submitted = client.post(
        "/new/",
        {"name": "Ada Admin", "email": "admin@acme.example", "subject": "Printer", "description": "Broken.",
         "category": "", "website": ""},
    )  # fmt: skip
    assert submitted.status_code == 302
    with tenant_context(tenant):
        assert Contact.objects.filter(email="admin@acme.example").exists()
    # when a sign-in link is asked for that address
    response = _ask(host_client(tenant), "admin@acme.example")
    # then the answer is the usual one, but no link exists and none is mailed
    assert response.status_code == 302 and response["Location"] == "/sign-in/sent/"
    with tenant_context(tenant):
        assert not PortalSignInToken.objects.filter(email="admin@acme.example").exists()
        assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.SIGN_IN).exists()
    assert not [sent for sent in mail.outbox if "/sign-in/" in sent.body]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.AGENT])
def test_a_sign_in_link_for_a_staff_address_yields_no_desk_access(tenant, desk, role):
    # given a staff member who is also a contact, and a valid link to their address (mailed before the fix)
    make_member(tenant, role, "staff@acme.example")
    ContactFactory(tenant=tenant, email="staff@acme.example")
    token = "a" * 43
    now = timezone.now()
    with tenant_context(tenant):
        PortalSignInToken.objects.create(
            email="staff@acme.example",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_at=now,
            expires_at=now + timedelta(minutes=30),
        )
    client = host_client(tenant)
    # when the link is opened and its button pressed
    page = client.get(f"/sign-in/{token}/")
    response = client.post(f"/sign-in/{token}/")
    # then it signs nothing in: staff need their password
    assert page.status_code == response.status_code == 400
    assert "sign in with your password" in response.text
    for url in ("/desk/settings/api-keys/", "/desk/", "/desk/settings/"):
        denied = client.get(url)
        assert denied.status_code == 302 and denied["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_sign_in_link_works_once(tenant, desk):
    client = host_client(tenant)
    _ask(client, "pat@customer.example")
    path = _path(_mailed_link(tenant, "pat@customer.example"))
    assert client.post(path).status_code == 302
    # when the link is used again, in another browser
    again = host_client(tenant).post(path)
    # then it is refused with a clear page that offers a new link
    assert again.status_code == 400
    assert "already been used" in again.text and "Send me a new link" in again.text


def test_expired_sign_in_link_is_refused(tenant, desk):
    client = host_client(tenant)
    _ask(client, "pat@customer.example")
    path = _path(_mailed_link(tenant, "pat@customer.example"))
    with tenant_context(tenant):
        PortalSignInToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400 and "expired" in response.text
    assert not User.objects.filter(email="pat@customer.example").exists()


def test_a_sign_in_link_of_one_tenant_is_refused_on_another_tenants_host(tenant, other_tenant, desk):
    # given the same address is a contact of both tenants, and asks acme for a link
    ContactFactory(tenant=other_tenant, email="pat@customer.example")
    _ask(host_client(tenant), "pat@customer.example")
    path = _path(_mailed_link(tenant, "pat@customer.example"))
    # when the link is opened on globex's host
    response = host_client(other_tenant).post(path)
    # then globex refuses it and creates nothing; the link still works on acme
    assert response.status_code == 400 and "not valid here" in response.text
    assert not User.objects.filter(email="pat@customer.example").exists()
    assert host_client(tenant).post(path).status_code == 302


def test_a_made_up_token_is_refused(tenant, desk):
    response = host_client(tenant).get("/sign-in/" + "A" * 43 + "/")
    assert response.status_code == 400 and "not valid here" in response.text


def test_sign_in_links_are_rate_limited_per_ip_and_per_address(tenant, desk, monkeypatch):
    monkeypatch.setattr(access_views, "SIGN_IN_RATE_PER_IP", "3/h")
    monkeypatch.setattr(access_views, "SIGN_IN_RATE_PER_EMAIL", "2/h")
    client = host_client(tenant)
    # when one address asks three times from different IPs
    per_email = [_ask(client, "pat@customer.example", REMOTE_ADDR=f"192.0.2.{i}").status_code for i in range(3)]
    # and one IP asks for four different addresses
    per_ip = [_ask(client, f"p{i}@example.com", REMOTE_ADDR="192.0.2.99").status_code for i in range(4)]
    # then the third of the first and the fourth of the second are refused
    assert per_email == [302, 302, 429]
    assert per_ip == [302, 302, 302, 429]
    with tenant_context(tenant):
        assert PortalSignInToken.objects.filter(email="pat@customer.example").count() == 2


def test_the_service_caps_links_per_address_whatever_the_cache_says(tenant, desk):
    # given the hourly cap of links to one address is reached
    with tenant_context(tenant):
        for _ in range(portal_access.LINKS_PER_ADDRESS_PER_HOUR):
            assert portal_access.request_sign_in_link(tenant=tenant, email="pat@customer.example") is not None
        # when one more is asked for
        extra = portal_access.request_sign_in_link(tenant=tenant, email="pat@customer.example")
        # then nothing more is created or mailed
        assert extra is None
        assert PortalSignInToken.objects.count() == portal_access.LINKS_PER_ADDRESS_PER_HOUR


def test_password_sign_in_still_works_and_offers_the_link(tenant, desk):
    member = make_member(tenant, "customer", "pat@customer.example")
    client = host_client(tenant)
    assert "Email me a sign-in link" in client.get("/accounts/login/").text
    response = client.post("/accounts/login/", {"username": "pat@customer.example", "password": "tessera-demo"})
    assert response.status_code == 302
    assert host_client(tenant, member).get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_link_spent_twice_at_the_same_moment_signs_in_once(tenant, desk):
    # given a mailed link, clicked twice at once (a double click, or a scanner racing the person)
    from tests.tickets.test_concurrency import _run_together

    with tenant_context(tenant):
        portal_access.request_sign_in_link(tenant=tenant, email="pat@customer.example")
        token_link = _mailed_link(tenant, "pat@customer.example")
    token = token_link.rstrip("/").rsplit("/", 1)[1]

    def spend():
        with tenant_context(tenant):
            return portal_access.sign_in_with_token(token=token)

    # when both spend it together
    results = _run_together([spend, spend])
    # then exactly one signs in and the other is told the link was used; one user, one membership
    assert sorted(type(r).__name__ for r in results) == ["InvalidSignInLink", "Membership"], results
    assert User.objects.filter(email="pat@customer.example").count() == 1
    with tenant_context(tenant):
        assert Membership.objects.filter(user__email="pat@customer.example").count() == 1
