"""Several workers routing at once on PostgreSQL: nobody goes over capacity, and round robin loses no turn.

Each thread has its own database connection and routes its share of the tickets as the rule engine's receiver
would, one transaction per ticket; the threads start together at a barrier."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from routing.assignment.services import assign_by_strategy, assigning_together
from routing.models import AssignmentDecision
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.conftest import make_member
from tests.tickets.factories import TicketFactory
from tickets.models import Queue, Team, TeamMembership, Ticket
from tickets.services.common import holding, lock_tickets

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def _agents(tenant, team, count: int, capacity: int) -> list[int]:
    ids = []
    for index in range(count):
        member = make_member(tenant, "agent", f"agent{index}@acme.example")
        with tenant_context(tenant):
            Membership.objects.filter(pk=member.pk).update(availability="online", capacity=capacity)
            TeamMembership.objects.create(team=team, membership=member)
        ids.append(member.pk)
    return ids


def _tickets(tenant, queue, count: int) -> list[int]:
    return [TicketFactory(tenant=tenant, queue=queue).pk for _ in range(count)]


def _route_batch(ticket_ids: list[int]) -> None:
    """As routing's drain batch does (routing.route.route_together): the tickets locked together, then assigned
    with the pools locked and the loads counted once (assigning_together), in one transaction."""
    with transaction.atomic():
        held = list(lock_tickets(ticket_ids).values())
        with holding(*held), assigning_together(held):
            for ticket in held:
                assign_by_strategy(ticket=ticket)


def _route_in_threads(tenant, ticket_ids: list[int], *, batches: bool = False) -> list[BaseException]:
    """With `batches`, every other thread routes its share in batches of 10 (the others one ticket at a time)."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(share: list[int], batch: int) -> None:
        try:
            barrier.wait()
            with tenant_context(tenant):
                if batch:
                    for start in range(0, len(share), batch):
                        _route_batch(share[start : start + batch])
                    return
                for ticket_id in share:
                    assign_by_strategy(ticket=Ticket(pk=ticket_id))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(ticket_ids[i::THREADS], 10 if batches and i % 2 == 0 else 0))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def _owners(tenant, queue) -> Counter:
    with tenant_context(tenant):
        return Counter(Ticket.objects.filter(queue=queue).values_list("assignee_id", flat=True))


@pytest.mark.parametrize("batches", [False, True], ids=["one-by-one", "with-batches"])
def test_least_loaded_under_concurrency_never_exceeds_capacity(tenant, batches):
    # given 5 online agents with room for 20 each, and 150 new tickets in a least-loaded queue
    with tenant_context(tenant):
        team = Team.objects.create(name="Frontline")
        queue = Queue.objects.create(name="Support", team=team, assignment_strategy="least_loaded")
    agents = _agents(tenant, team, 5, capacity=20)
    tickets = _tickets(tenant, queue, 150)
    # when 6 workers route them all at once (half of them, the second time, in batches)
    errors = _route_in_threads(tenant, tickets, batches=batches)
    # then every slot is filled exactly: 20 each, 50 waiting, one decision per ticket
    assert errors == []
    owners = _owners(tenant, queue)
    assert {member: owners[member] for member in agents} == dict.fromkeys(agents, 20)
    assert owners[None] == 50
    with tenant_context(tenant):
        assert AssignmentDecision.objects.count() == 150
        assert AssignmentDecision.objects.filter(outcome="waiting").count() == 50


@pytest.mark.parametrize("batches", [False, True], ids=["one-by-one", "with-batches"])
def test_round_robin_under_concurrency_is_fair(tenant, batches):
    # given 7 online agents with plenty of room, and 300 tickets in a round-robin queue
    with tenant_context(tenant):
        team = Team.objects.create(name="Frontline")
        queue = Queue.objects.create(name="Support", team=team, assignment_strategy="round_robin")
    agents = _agents(tenant, team, 7, capacity=200)
    tickets = _tickets(tenant, queue, 300)
    # when 6 workers route them all at once (half of them, the second time, in batches)
    errors = _route_in_threads(tenant, tickets, batches=batches)
    # then all are assigned and the counts differ by at most one (no turn lost or taken twice)
    assert errors == []
    owners = _owners(tenant, queue)
    counts = [owners[member] for member in agents]
    assert sum(counts) == 300 and owners[None] == 0
    assert max(counts) - min(counts) <= 1
