"""Races against real PostgreSQL: two agents claiming at once, and many tickets created at once."""

import threading

import pytest
from django.db import connections

from tenancy.context import tenant_context
from tests.conftest import make_member
from tickets import services
from tickets.models import Ticket, TicketEvent


def _run_together(functions):
    """Start every function at the same moment on its own thread (and database connection)."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_once_exactly_one_wins(tenant, agent, desk, new_ticket):
    # given an unassigned ticket and a second agent
    ticket = new_ticket()
    other = make_member(tenant, "agent", "agent2@acme.example")

    def claim_as(member):
        def claim():
            with tenant_context(tenant):
                return services.claim(ticket=Ticket.objects.get(pk=ticket.pk), actor=member)

        return claim

    for _ in range(5):
        # when both claim at the same moment
        results = _run_together([claim_as(agent), claim_as(other)])
        # then exactly one wins and the other is told who owns it
        winners = [r for r in results if isinstance(r, Ticket)]
        losers = [r for r in results if isinstance(r, services.AlreadyClaimed)]
        assert (len(winners), len(losers)) == (1, 1), results
        owner = winners[0].assignee
        assert losers[0].owner == owner
        with tenant_context(tenant):
            services.unassign(ticket=ticket, actor=owner)
    with tenant_context(tenant):
        # and every round is in the trail: five claims, five releases
        assert TicketEvent.objects.filter(ticket=ticket, kind__in=["assigned", "unassigned"]).count() == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_gap_free_numbers(tenant, desk):
    # given eight requests arriving at once
    def create(index):
        def run():
            with tenant_context(tenant):
                contact = desk["contact"]
                return services.create_ticket(actor=contact, contact=contact, subject=f"Race {index}", body="x").number

        return run

    # when they are created concurrently, and one more fails validation in the middle
    def failing():
        with tenant_context(tenant):
            return services.create_ticket(actor=desk["contact"], contact=desk["contact"], subject="", body="x")

    results = _run_together([create(i) for i in range(8)] + [failing])
    # then the numbers are exactly 1..8: distinct, gap-free, none lost to the failed one
    numbers = sorted(r for r in results if isinstance(r, int))
    assert numbers == list(range(1, 9))
    assert isinstance(results[-1], services.ServiceError)
    tenant.refresh_from_db()
    assert tenant.last_ticket_number == 8
