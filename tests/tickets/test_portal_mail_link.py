"""A notification mail's link (/requests/<n>/) opened signed out by a customer without a password: the sign-in
page offers the emailed link, which brings them back to that request (a page of this host only), and their
first sign-in is a welcome, not a "welcome back"."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core import mail

from tenancy.context import tenant_context
from tests.conftest import host_client
from tickets.models import OutboundEmail

pytestmark = pytest.mark.django_db

LINK = r"https?://\S+/sign-in/[\w-]+/(?:\?next=\S+)?"


def _mailed_link(tenant, email: str) -> str:
    for sent in reversed(mail.outbox):
        if sent.to == [email] and re.search(LINK, sent.body):
            return re.search(LINK, sent.body).group(0)
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.SIGN_IN, to_address=email).latest("id")
    return re.search(LINK, outbound.body_text).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_mail_link_leads_signed_out_customer_through_the_emailed_link_back_to_the_request(tenant, desk, new_ticket):
    # given Pat's request, and Pat signed out with no password
    ticket = new_ticket(subject="Printer on fire")
    request_path = f"/requests/{ticket.number}/"
    client = host_client(tenant)
    # when Pat opens the link from the notification mail
    response = client.get(request_path)
    # then the sign-in page offers the emailed link, carrying the request to come back to
    assert response.status_code == 302
    login_page = client.get(response["Location"]).text
    assert 'action="/sign-in/"' in login_page and "Email me a sign-in link" in login_page
    assert f'name="next" value="{request_path}"' in login_page
    # when Pat asks for the link there, opens it and continues
    assert client.post("/sign-in/", {"email": "pat@customer.example", "next": request_path}).status_code == 302
    link = _path(_mailed_link(tenant, "pat@customer.example"))
    assert link.endswith(f"?next={quote(request_path, safe='')}")
    confirm = client.get(link).text
    assert f'name="next" value="{request_path}"' in confirm
    landed = client.post(link.split("?")[0], {"next": request_path})
    # then Pat lands on the request, welcomed (not "welcome back")
    assert landed.status_code == 302 and landed["Location"] == request_path
    page = client.get(request_path).text
    assert "Printer on fire" in page
    assert "Welcome to Acme Corporation support" in page and "Welcome back" not in page


def test_first_sign_in_home_does_not_say_welcome_back_and_the_next_one_does(tenant, desk, new_ticket):
    new_ticket()
    client = host_client(tenant)
    for expected, unexpected in (("Welcome, ", "Welcome back"), ("Welcome back", "Welcome to")):
        client.post("/sign-in/", {"email": "pat@customer.example"})
        landed = client.post(_path(_mailed_link(tenant, "pat@customer.example")))
        assert landed["Location"] == "/"
        home = client.get("/").text
        assert expected in home and unexpected not in home
        client.post("/accounts/logout/")
        mail.outbox.clear()


@pytest.mark.parametrize(
    "hostile",
    ["https://evil.example/requests/1/", "//evil.example/requests/1/", "/\\evil.example", "javascript:alert(1)",
     "/requests/1/\r\nSet-Cookie: x=1"],
)  # fmt: skip
def test_sign_in_link_never_leads_to_another_host(tenant, desk, new_ticket, hostile):
    new_ticket()
    client = host_client(tenant)
    # when someone asks for a link with a next page on another host
    client.post("/sign-in/", {"email": "pat@customer.example", "next": hostile})
    link = _path(_mailed_link(tenant, "pat@customer.example"))
    # then the mailed link carries no next, and a next posted with the link is ignored too
    assert "next=" not in link
    landed = client.post(link, {"next": hostile})
    assert landed.status_code == 302 and landed["Location"] == "/"
