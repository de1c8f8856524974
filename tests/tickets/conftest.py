import pytest

from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.models import Queue, Team, TeamMembership


@pytest.fixture
def desk(tenant, agent):
    """A working help desk in acme: a team with the agent, a default queue, a requester."""
    with tenant_context(tenant):
        team = Team.objects.create(name="Frontline")
        TeamMembership.objects.create(team=team, membership=agent)
        queue = Queue.objects.create(name="General", team=team, is_default=True)
    contact = ContactFactory(tenant=tenant, email="pat@customer.example", name="Pat Requester")
    return {"team": team, "queue": queue, "contact": contact}


@pytest.fixture
def new_ticket(tenant, desk):
    def make(subject="Printer on fire", body="It is on fire.", **extra):
        with tenant_context(tenant):
            contact = extra.pop("contact", desk["contact"])
            return services.create_ticket(actor=contact, contact=contact, subject=subject, body=body, **extra)

    return make
