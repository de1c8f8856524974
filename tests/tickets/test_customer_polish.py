"""Small things a customer or an agent meets: a rating without a score says so, the desk's category picker reads
"Choose a category", the Notifications page lights no "Queues", /favicon.ico answers on every host, and the
customer's account menu leads to the password pages."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import CategoryFactory
from tickets import services
from tickets.lifecycle import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(tenant, desk):
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    return member


def test_rating_without_a_score_says_what_to_do(tenant, agent, desk, new_ticket, pat):
    # given Pat's resolved request
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    client = host_client(tenant, pat)
    page = client.get(f"/requests/{ticket.number}/").text
    # then the form leaves the check to the page (the browser's bubble has no visible radio to point at)
    assert 'class="rating" method="post"' in page and "novalidate" in page
    # when Pat sends only a comment
    response = client.post(f"/requests/{ticket.number}/rate/", {"comment": "Quick, thanks"})
    # then the page says to choose a score, and keeps the comment
    assert response.status_code == 400
    assert "Choose a score from 1 (very poor) to 5 (excellent), then send your rating." in response.text
    assert "Quick, thanks" in response.text


def test_desk_new_ticket_category_has_a_proper_empty_label(tenant, agent, desk):
    CategoryFactory(tenant=tenant, name="Billing")
    page = host_client(tenant, agent).get("/desk/tickets/new/").text
    assert '<option value="" selected>Choose a category</option>' in page
    assert "---------" not in page.split('name="category"', 1)[1].split("</select>", 1)[0]


def test_notifications_page_lights_no_queues(tenant, agent, desk):
    client = host_client(tenant, agent)
    notifications = client.get("/desk/notifications/").text
    queues = client.get("/desk/views/all/").text
    search = client.get("/desk/search/?q=x").text
    assert 'aria-current="page">' not in notifications.split('class="sidebar__nav"', 1)[1].split("</nav>", 1)[0]
    for page in (queues, search):
        nav = page.split('class="sidebar__nav"', 1)[1].split("</nav>", 1)[0]
        assert 'class="navlink is-active" href="/desk/"' in nav


@pytest.mark.parametrize("host", ["platform", "tenant"])
def test_favicon_ico_answers_with_the_static_icon(tenant, host):
    client = host_client(tenant if host == "tenant" else None)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")


def test_customer_account_menu_links_the_password_pages(tenant, desk, pat):
    client = host_client(tenant, pat)
    page = client.get("/").text
    assert 'href="/accounts/password/change/"' in page and "Change password" in page
    assert client.get("/accounts/password/change/").status_code == 200
    # and a customer who signed in by link, without a password, is offered to set one instead
    with tenant_context(tenant):
        pat.user.set_unusable_password()
        pat.user.save(update_fields=["password"])
    linked = host_client(tenant, pat).get("/").text
    assert 'href="/accounts/password/reset/"' in linked and "Set a password" in linked
