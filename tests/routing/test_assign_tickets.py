"""tickets.services.assignment.assign_tickets (a drain batch's strategy picks, written together): whoever the
batch assigns to, its visibility checks cost the same statements, and an agent who cannot see a ticket is refused
as `assign` refuses them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from routing.assignment.services import ROUTING
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.routing.test_assignment import agent_named, make_queue
from tests.tickets.factories import TicketFactory
from tickets.models import Team, Ticket
from tickets.services import ServiceError
from tickets.services.assignment import assign_tickets
from tickets.services.common import holding, lock_tickets

pytestmark = pytest.mark.django_db


def _limited(tenant) -> None:
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])


def _assign(tenant, tickets: list[Ticket], members: list[Membership]) -> list[str]:
    """Assign the tickets to the members in turn; the statements it cost."""
    with tenant_context(tenant), transaction.atomic():
        held = lock_tickets(ticket.pk for ticket in tickets)
        loaded = Membership.objects.select_related("user", "tenant").in_bulk([m.pk for m in members])
        members = [loaded[m.pk] for m in members]  # in the order given: the query's order is the database's
        pairs = [(held[ticket.pk], members[index % len(members)]) for index, ticket in enumerate(tickets)]
        with holding(*held.values()), CaptureQueriesContext(connection) as queries:
            assign_tickets(assignments=pairs, actor=ROUTING, reasons={})
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("limited", [True, False])
def test_assign_tickets_checks_visibility_in_the_same_statements_for_any_number_of_assignees(tenant, limited):
    # given agents of one team (limited to their team's queues or not) and tickets in the team's queue
    if limited:
        _limited(tenant)
    with tenant_context(tenant):
        team = Team.objects.create(name="Billing team")
    queue = make_queue(tenant, "least_loaded", team=team)
    agents = [agent_named(tenant, name, team=team) for name in ("Ana", "Ben", "Cy", "Di")]
    with tenant_context(tenant):
        tickets = [TicketFactory(tenant=tenant, queue=queue) for _ in range(6)]
        first = TicketFactory(tenant=tenant, queue=queue)
    _assign(tenant, [first], agents[:1])  # the test's transaction publishes its feed drain here, once
    # when two tickets go to one agent, and four to four agents
    one = _assign(tenant, tickets[:2], agents[:1])
    four = _assign(tenant, tickets[2:], agents)
    # then both cost the same statements, and every ticket has its agent
    assert len(four) == len(one), "\n".join(four)
    with tenant_context(tenant):
        owners = dict(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("pk", "assignee_id"))
    assert [owners[t.pk] for t in tickets] == [agents[0].pk] * 2 + [a.pk for a in agents]


def test_assign_tickets_refuses_an_agent_outside_the_queues_team(tenant):
    # given agents limited to their teams' queues, one of them outside the queue's team
    _limited(tenant)
    with tenant_context(tenant):
        team, other = Team.objects.create(name="Billing team"), Team.objects.create(name="Other team")
    queue = make_queue(tenant, "least_loaded", team=team, name="Billing")
    inside, outside = agent_named(tenant, "Ana", team=team), agent_named(tenant, "Oz", team=other)
    supervisor = agent_named(tenant, "Sue", role="supervisor")
    with tenant_context(tenant):
        tickets = [TicketFactory(tenant=tenant, queue=queue) for _ in range(3)]
    # when a batch gives a ticket to each, then to the two who see the queue
    with pytest.raises(ServiceError, match="Oz cannot see tickets in Billing"):
        _assign(tenant, tickets, [inside, outside, supervisor])
    _assign(tenant, tickets[:2], [inside, supervisor])
    # then nothing of the refused batch was written, and the second batch was
    with tenant_context(tenant):
        owners = dict(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("pk", "assignee_id"))
    assert [owners[t.pk] for t in tickets] == [inside.pk, supervisor.pk, None]
