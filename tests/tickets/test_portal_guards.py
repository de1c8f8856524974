"""An organisation manager reads a colleague's request in the portal but never acts on it: no reopen, no rating.
The request is resolved and open to the manager's eyes (the page answers 200), and the requester doing the same is
the control, so only the services' requester checks refuse the manager."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory, OrganisationFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.models import SatisfactionRating, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def initech(tenant, agent, desk, new_ticket):
    """Initech's manager and a worker, each signed in; the worker's request, resolved."""
    org = OrganisationFactory(tenant=tenant, name="Initech")
    people = {}
    for login, manages in (("boss", True), ("worker", False)):
        member = make_member(tenant, "customer", f"{login}@initech.example")
        contact = ContactFactory(tenant=tenant, email=f"{login}@initech.example", organisation=org,
                                 manages_organisation=manages, membership=member)  # fmt: skip
        people[login] = (member, contact)
    ticket = new_ticket(subject="Worker stapler request", contact=people["worker"][1])
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    return {"ticket": ticket, "boss": people["boss"][0], "worker": people["worker"][0]}


def _status(tenant, ticket) -> str:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk).status


def test_manager_cannot_reopen_a_colleagues_request(tenant, initech):
    # given the worker's resolved request, which the manager may read
    ticket, boss = initech["ticket"], host_client(tenant, initech["boss"])
    assert boss.get(f"/requests/{ticket.number}/").status_code == 200
    # when the manager presses Reopen on it
    response = boss.post(f"/requests/{ticket.number}/reopen/", follow=True)
    # then it is refused, with the reason, and the request stays resolved
    assert "Only the requester or someone copied on this request can reopen it." in response.text
    assert _status(tenant, ticket) == Status.RESOLVED
    # while the worker reopens it
    host_client(tenant, initech["worker"]).post(f"/requests/{ticket.number}/reopen/")
    assert _status(tenant, ticket) == Status.OPEN


def test_manager_cannot_rate_a_colleagues_request(tenant, initech):
    # given the worker's resolved request
    ticket, boss = initech["ticket"], host_client(tenant, initech["boss"])
    # when the manager rates it
    boss.post(f"/requests/{ticket.number}/rate/", {"score": "1", "comment": "Terrible"})
    # then no rating is stored; the worker's rating is
    with tenant_context(tenant):
        assert not SatisfactionRating.objects.filter(ticket_id=ticket.pk).exists()
    host_client(tenant, initech["worker"]).post(f"/requests/{ticket.number}/rate/", {"score": "5", "comment": ""})
    with tenant_context(tenant):
        assert SatisfactionRating.objects.get(ticket_id=ticket.pk).score == 5
