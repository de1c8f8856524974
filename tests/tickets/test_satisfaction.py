"""Satisfaction: the signed one-click rating link, the rating service and where the rating shows."""

from __future__ import annotations

import re

import pytest
from django.core import signing

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.models import SatisfactionRating, TicketEvent
from tickets.services import satisfaction
from tickets.services.events import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(tenant, agent, new_ticket):
    ticket = new_ticket(subject="Printer on fire")
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        ticket.refresh_from_db()
    return ticket


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_rating_link_is_absolute_on_the_tenant_host_with_the_score(tenant, resolved):
    with tenant_context(tenant):
        link = satisfaction.rating_link(ticket=resolved, score=4)
    assert link.startswith(f"http://{tenant.host}/rate/") and link.endswith("?score=4")


def test_rate_ticket_records_the_rating_and_a_rated_event_and_replaces_it_on_a_second_rating(tenant, desk, resolved):
    contact = desk["contact"]
    with tenant_context(tenant):
        # when the requester rates, then changes their mind
        satisfaction.rate_ticket(ticket=resolved, contact=contact, score=2, comment="Slow")
        satisfaction.rate_ticket(ticket=resolved, contact=contact, score=5, comment="Fixed after all")
        # then one rating holds the latest score and comment, and the trail keeps both
        rating = SatisfactionRating.objects.get(ticket=resolved)
        events = list(TicketEvent.objects.filter(ticket=resolved, kind="rated").order_by("id"))
    assert (rating.score, rating.comment, rating.contact_id) == (5, "Fixed after all", contact.pk)
    assert [(e.old_value, e.new_value, e.actor_contact_id) for e in events] == [
        ("", "2", contact.pk),
        ("2", "5", contact.pk),
    ]


def test_rate_ticket_refuses_open_tickets_bad_scores_and_other_people(tenant, desk, new_ticket, resolved):
    open_ticket = new_ticket(subject="Still open")
    stranger = ContactFactory(tenant=tenant)
    with tenant_context(tenant):
        with pytest.raises(ServiceError, match="once it is resolved"):
            satisfaction.rate_ticket(ticket=open_ticket, contact=desk["contact"], score=4)
        with pytest.raises(ServiceError, match="1 to 5"):
            satisfaction.rate_ticket(ticket=resolved, contact=desk["contact"], score=6)
        with pytest.raises(ServiceError, match="person who asked"):
            satisfaction.rate_ticket(ticket=resolved, contact=stranger, score=1)
        assert not SatisfactionRating.objects.exists()
        assert not TicketEvent.objects.filter(kind="rated").exists()


def test_one_click_link_shows_the_score_preselected_and_changes_nothing_until_posted(tenant, resolved):
    with tenant_context(tenant):
        path = _path(satisfaction.rating_link(ticket=resolved, score=4))
    client = host_client(tenant)
    # when the link from the mail is opened (no sign-in)
    page = client.get(path)
    # then the page shows the request with 4 chosen, and nothing is saved yet
    assert page.status_code == 200 and "Printer on fire" in page.text
    assert re.search(r'<input type="radio" name="score" value="4"[^>]*checked', page.text)
    assert not re.search(r'value="[1235]"[^>]*checked', page.text)
    with tenant_context(tenant):
        assert not SatisfactionRating.objects.exists()
    # when the page's button is pressed with the clicked score and a comment
    response = client.post(path.split("?")[0], {"score": "4", "comment": "Quick, thanks"})
    # then the rating is saved and the page thanks them
    assert response.status_code == 302
    with tenant_context(tenant):
        rating = SatisfactionRating.objects.get(ticket=resolved)
    assert (rating.score, rating.comment) == (4, "Quick, thanks")
    assert "Thank you for your rating" in client.get(response["Location"]).text


def test_tampered_or_foreign_rating_links_are_refused(tenant, other_tenant, desk, resolved):
    with tenant_context(tenant):
        path = _path(satisfaction.rating_link(ticket=resolved))
    token = path.split("/")[2]
    # a token with one character changed, a token signed for another purpose, and acme's token on globex
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    forged = signing.dumps({"tn": tenant.pk, "t": resolved.pk, "c": desk["contact"].pk}, salt="another-salt")
    responses = [
        host_client(tenant).post(f"/rate/{tampered}/", {"score": "1"}),
        host_client(tenant).post(f"/rate/{forged}/", {"score": "1"}),
        host_client(other_tenant).post(f"/rate/{token}/", {"score": "1"}),
    ]
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert all("does not work" in r.text for r in responses)
    with tenant_context(tenant):
        assert not SatisfactionRating.objects.exists()


def test_rating_shows_on_the_agent_ticket_page_and_in_its_timeline(tenant, agent, desk, resolved):
    with tenant_context(tenant):
        satisfaction.rate_ticket(ticket=resolved, contact=desk["contact"], score=3, comment="Took a while")
    page = host_client(tenant, agent).get(f"/desk/tickets/{resolved.number}/").text
    assert "Satisfaction" in page and "3/5" in page and "Took a while" in page
    assert "rated the resolution 3/5" in page


def test_customer_rates_from_the_portal_request_page(tenant, desk, resolved):
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    client = host_client(tenant, member)
    page = client.get(f"/requests/{resolved.number}/").text
    assert "Rate our help" in page
    response = client.post(f"/requests/{resolved.number}/rate/", {"score": "5", "comment": ""})
    assert response.status_code == 302
    assert "You rated 5/5" in client.get(f"/requests/{resolved.number}/").text
    # and a score out of range is refused with a message
    bad = client.post(f"/requests/{resolved.number}/rate/", {"score": "9"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.text


def test_only_the_requester_rates_from_the_portal(tenant, desk, resolved):
    # given an organisation manager who can read the request but did not ask
    from tests.tickets.factories import OrganisationFactory

    org = OrganisationFactory(tenant=tenant)
    with tenant_context(tenant):
        desk["contact"].organisation = org
        desk["contact"].save(update_fields=["organisation"])
    boss = ContactFactory(tenant=tenant, email="boss@customer.example", organisation=org, manages_organisation=True)
    member = make_member(tenant, "customer", "boss@customer.example")
    with tenant_context(tenant):
        boss.membership = member
        boss.save(update_fields=["membership"])
    client = host_client(tenant, member)
    # then the page offers no rating, and a posted one is refused with a message
    assert "Rate our help" not in client.get(f"/requests/{resolved.number}/").text
    response = client.post(f"/requests/{resolved.number}/rate/", {"score": "1"}, follow=True)
    assert "Only the person who asked can rate this request." in response.text
    with tenant_context(tenant):
        assert not SatisfactionRating.objects.exists()
