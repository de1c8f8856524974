"""What a customer sees of their tickets: their own requests, the public conversation, never internal notes."""

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.lifecycle import Status


@pytest.fixture
def pat(tenant, desk):
    member = make_member(tenant, "customer", "pat@customer.example")
    with tenant_context(tenant):
        desk["contact"].membership = member
        desk["contact"].save(update_fields=["membership"])
    return member


@pytest.mark.django_db
def test_customer_sees_their_requests_and_the_public_conversation_only(tenant, agent, desk, pat, new_ticket):
    # given Pat's ticket with a public reply and an internal note, and someone else's ticket
    ticket = new_ticket(subject="Pat printer jam")
    other = new_ticket(subject="Another person issue", contact=ContactFactory(tenant=tenant))
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="We are on it", status=Status.PENDING)
        services.add_note(ticket=ticket, actor=agent, body="Secret internal remark")
    client = host_client(tenant, pat)
    # when Pat opens the portal and the request
    home = client.get("/").text
    page = client.get(f"/requests/{ticket.number}/").text
    # then Pat sees the request, its status in plain words, the reply, and never the note
    assert "Pat printer jam" in home and "Another person" not in home
    assert "Waiting for you" in page and "We are on it" in page
    assert "Secret internal remark" not in page
    assert client.get(f"/requests/{other.number}/").status_code == 404


@pytest.mark.django_db
def test_customer_reply_reopens_the_request(tenant, agent, desk, pat, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    response = host_client(tenant, pat).post(f"/requests/{ticket.number}/", {"body": "Still broken"})
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_staff_and_strangers_do_not_get_a_customer_view(tenant, other_tenant, desk, pat, new_ticket):
    ticket = new_ticket()
    stranger = make_member(other_tenant, "customer", "someone@globex.example")
    assert host_client(tenant, stranger).get(f"/requests/{ticket.number}/").status_code == 404
    assert host_client(tenant).get(f"/requests/{ticket.number}/").status_code == 302


# --- Organisation managers, reopening, and the list's query count ----------------------------------------------


def _link(tenant, contact, member):
    with tenant_context(tenant):
        contact.membership = member
        contact.save(update_fields=["membership"])


@pytest.mark.django_db
def test_organisation_manager_sees_colleagues_requests_and_a_plain_contact_does_not(
    tenant, other_tenant, desk, new_ticket
):
    # given two people of one organisation, one of them its manager, and someone from elsewhere
    from tests.tickets.factories import OrganisationFactory

    org = OrganisationFactory(tenant=tenant, name="Initech")
    boss = ContactFactory(tenant=tenant, email="boss@initech.example", organisation=org, manages_organisation=True)
    worker = ContactFactory(tenant=tenant, email="worker@initech.example", organisation=org)
    outsider = ContactFactory(tenant=tenant, email="someone@elsewhere.example")
    boss_member = make_member(tenant, "customer", "boss@initech.example")
    worker_member = make_member(tenant, "customer", "worker@initech.example")
    _link(tenant, boss, boss_member)
    _link(tenant, worker, worker_member)
    theirs = new_ticket(subject="Worker stapler request", contact=worker)
    elsewhere = new_ticket(subject="Outsider question", contact=outsider)
    own = new_ticket(subject="Boss own request", contact=boss)
    # when each opens the portal
    boss_home = host_client(tenant, boss_member).get("/").text
    worker_home = host_client(tenant, worker_member).get("/").text
    # then the manager sees their own and their colleague's (named), never an outsider's
    assert "Worker stapler request" in boss_home and "Boss own request" in boss_home
    assert "Outsider question" not in boss_home
    boss_view = host_client(tenant, boss_member).get(f"/requests/{theirs.number}/")
    assert boss_view.status_code == 200 and "requested by" in boss_view.text
    assert host_client(tenant, boss_member).get(f"/requests/{elsewhere.number}/").status_code == 404
    # and reads without replying for the colleague
    assert "Send reply" not in boss_view.text
    refused = host_client(tenant, boss_member).post(f"/requests/{theirs.number}/", {"body": "On behalf"})
    assert refused.status_code == 400
    # and the plain contact sees only their own
    assert "Worker stapler request" in worker_home and "Boss own request" not in worker_home
    assert host_client(tenant, worker_member).get(f"/requests/{own.number}/").status_code == 404
    # and another tenant's host shows none of it
    assert host_client(other_tenant, boss_member).get(f"/requests/{theirs.number}/").status_code == 404


@pytest.mark.django_db
def test_customer_reopens_a_resolved_request_within_the_window(tenant, agent, desk, pat, new_ticket):
    # given a resolved request
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    client = host_client(tenant, pat)
    assert "Reopen request" in client.get(f"/requests/{ticket.number}/").text
    # when Pat presses Reopen
    response = client.post(f"/requests/{ticket.number}/reopen/")
    # then it is open again, with a "reopened" event by Pat
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        event = ticket.events.filter(kind="reopened").latest("id")
    assert ticket.status == Status.OPEN and event.actor_contact_id == desk["contact"].pk


@pytest.mark.django_db
def test_reopen_is_refused_after_the_window(tenant, agent, desk, pat, new_ticket):
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import Ticket

    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    client = host_client(tenant, pat)
    assert "Reopen request" not in client.get(f"/requests/{ticket.number}/").text
    response = client.post(f"/requests/{ticket.number}/reopen/", follow=True)
    assert "too long ago" in response.text
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


@pytest.mark.django_db
def test_portal_request_page_never_shows_internal_notes_or_staff_events(tenant, agent, desk, pat, new_ticket):
    ticket = new_ticket(subject="Pat printer jam")
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=agent, body="Customer seems confused, check billing")
        services.escalate(ticket=ticket, level=1, actor=agent, reason="Internal reason")
        services.reply(ticket=ticket, actor=agent, body="We have ordered a new drum")
    page = host_client(tenant, pat).get(f"/requests/{ticket.number}/").text
    assert "We have ordered a new drum" in page
    assert "check billing" not in page and "Internal reason" not in page and "escalat" not in page.lower()


@pytest.mark.django_db
def test_portal_list_runs_a_fixed_number_of_queries(tenant, desk, pat, new_ticket):
    # given an organisation manager whose colleagues (some known only by phone) have requests
    from tests.conftest import count_queries
    from tests.tickets.factories import OrganisationFactory

    org = OrganisationFactory(tenant=tenant, name="Initech")
    with tenant_context(tenant):
        desk["contact"].organisation = org
        desk["contact"].manages_organisation = True
        desk["contact"].save(update_fields=["organisation", "manages_organisation"])
    client = host_client(tenant, pat)
    new_ticket(subject="First")
    few = count_queries(client, "/")
    # when there are many more rows, of several colleagues
    for i in range(8):
        colleague = ContactFactory(tenant=tenant, organisation=org, name="", email=None, phone=f"+4930{i:04d}")
        new_ticket(subject=f"More {i}", contact=colleague)
    many = count_queries(client, "/")
    # then the page runs the same queries
    assert few == many
    assert "+49300007" in client.get("/").text


@pytest.mark.django_db
def test_customers_open_attachments_of_public_messages_they_may_see_only(tenant, agent, desk, new_ticket):
    # given an organisation manager, a colleague's ticket with a public attachment and a note's attachment
    from tests.tickets.factories import OrganisationFactory
    from tickets.models import Attachment

    org = OrganisationFactory(tenant=tenant, name="Initech")
    boss = ContactFactory(tenant=tenant, email="boss@initech.example", organisation=org, manages_organisation=True)
    worker = ContactFactory(tenant=tenant, email="worker@initech.example", organisation=org)
    outsider = make_member(tenant, "customer", "outsider@elsewhere.example")
    boss_member = make_member(tenant, "customer", "boss@initech.example")
    _link(tenant, boss, boss_member)
    _link(tenant, ContactFactory(tenant=tenant, email="outsider@elsewhere.example"), outsider)
    upload = services.Upload(name="invoice.txt", content=b"invoice text")
    ticket = new_ticket(subject="Colleague request", contact=worker, uploads=[upload])
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=agent, body="See log", uploads=[services.Upload("log.txt", b"log")])
        public = Attachment.objects.get(filename="invoice.txt")
        internal = Attachment.objects.get(filename="log.txt")
    # then the manager opens the public one, never the note's; someone else opens neither
    boss_client = host_client(tenant, boss_member)
    assert boss_client.get(f"/attachments/{public.pk}/").status_code == 200
    assert boss_client.get(f"/attachments/{internal.pk}/").status_code == 404
    assert host_client(tenant, outsider).get(f"/attachments/{public.pk}/").status_code == 404
