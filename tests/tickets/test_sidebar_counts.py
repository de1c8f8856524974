"""The sidebar's queue counts, read from one correlated subquery (selectors.queue_counts): each the same as
counting the queue on its own, capped, and never a number from another tenant."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory
from tickets import selectors, services
from tickets.lifecycle import Status
from tickets.models import Queue, Team


def _tickets(tenant, contact, queue, *, open_: int, resolved: int = 0, actor=None) -> None:
    with tenant_context(tenant):
        for index in range(open_ + resolved):
            ticket = services.create_ticket(actor=contact, contact=contact, subject=f"T{index}", body="x", queue=queue)
            if index >= open_:
                services.change_status(ticket=ticket, status=Status.RESOLVED, actor=actor)


@pytest.mark.django_db
def test_queue_counts_match_each_queues_own_count(tenant, other_tenant, agent, other_agent, desk):
    # given two queues with open and resolved tickets, and another tenant's queue with more open ones
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing", team=desk["team"])
        empty = Queue.objects.create(name="Empty", team=desk["team"])
    _tickets(tenant, desk["contact"], desk["queue"], open_=3, resolved=1, actor=agent)
    _tickets(tenant, desk["contact"], billing, open_=1, resolved=2, actor=agent)
    with tenant_context(other_tenant):
        theirs = Queue.objects.create(name="Theirs", team=Team.objects.create(name="Globex team"))
    _tickets(other_tenant, ContactFactory(tenant=other_tenant, email="x@globex.example"), theirs, open_=4)
    with tenant_context(tenant):
        queues = [desk["queue"], billing, empty]
        # when the sidebar counts them (the other tenant's queue slipped in among them)
        counts = selectors.sidebar_counts(agent, [*queues, theirs])
        capped = selectors.capped_counts({}, cap=1, per_queue=selectors.queue_counts(agent, queues, cap=1))
        one_by_one = {f"queue-{q.pk}": selectors.queue_tickets(agent, q).count() for q in queues}
    # then each queue has its open tickets, as counted on its own, and the other tenant's queue has no number
    assert {key: counts[key] for key in one_by_one} == one_by_one == {
        f"queue-{desk['queue'].pk}": 3, f"queue-{billing.pk}": 1, f"queue-{empty.pk}": 0,
    }  # fmt: skip
    assert counts[f"queue-{theirs.pk}"] == 0
    # and each stops at the cap plus one ("1+")
    assert capped == {f"queue-{desk['queue'].pk}": 2, f"queue-{billing.pk}": 1, f"queue-{empty.pk}": 0}


@pytest.fixture
def compiled(monkeypatch):
    """How many times the sidebar's fixed counts were built and compiled (selectors.FIXED_COUNTS)."""
    calls = []
    parts = selectors._count_parts

    def counting(querysets, cap, per_queue):
        if per_queue is not None or set(querysets) == {view.slug for view in selectors.VIEWS}:
            calls.append(tuple(querysets))
        return parts(querysets, cap, per_queue)

    monkeypatch.setattr(selectors, "_count_parts", counting)
    selectors.FIXED_COUNTS.clear()
    return calls


@pytest.mark.django_db
def test_the_fixed_counts_are_compiled_once_and_count_afresh_each_time(tenant, agent, desk, compiled):
    _tickets(tenant, desk["contact"], desk["queue"], open_=2)
    with tenant_context(tenant):
        first = selectors.sidebar_counts(agent, [desk["queue"]])
        _tickets(tenant, desk["contact"], desk["queue"], open_=1)
        second = selectors.sidebar_counts(agent, [desk["queue"]])
    # the kept statement counts the rows as they are now
    assert len(compiled) == 1
    assert (first[f"queue-{desk['queue'].pk}"], second[f"queue-{desk['queue'].pk}"]) == (2, 3)
    assert (first["unassigned"], second["unassigned"]) == (2, 3)


@pytest.mark.django_db
def test_the_fixed_counts_follow_queues_teams_roles_and_tenants(
    tenant, other_tenant, agent, other_agent, desk, compiled
):
    from tenancy.models import Membership
    from tickets.models import TeamMembership

    _tickets(tenant, desk["contact"], desk["queue"], open_=2)
    with tenant_context(tenant):
        other_team = Team.objects.create(name="Back office")
        elsewhere = Queue.objects.create(name="Elsewhere", team=other_team)
    _tickets(tenant, desk["contact"], elsewhere, open_=1)
    with tenant_context(tenant):
        # a new queue is counted at once
        both = selectors.sidebar_counts(agent, [desk["queue"], elsewhere])
        assert both[f"queue-{elsewhere.pk}"] == 1 and len(compiled) == 1
        # the agent's team's queue only, for "unassigned in my queues"
        assert both["unassigned"] == 2
        # once the agent leaves every team, "unassigned" is every queue's
        TeamMembership.objects.filter(membership=agent).delete()
        alone = selectors.sidebar_counts(agent, [desk["queue"], elsewhere])
        assert alone["unassigned"] == 3 and len(compiled) == 2
        # and a member of no team who sees only their teams' queues (none) counts nothing
        tenant.agents_see_all_tickets = False
        tenant.save()
        limited = Membership.objects.select_related("tenant").get(pk=agent.pk)
        assert selectors.sidebar_counts(limited, [])["all"] == 0 and len(compiled) == 3
    # another tenant's member with the same queues' ids counts its own tickets, from its own statement
    with tenant_context(other_tenant):
        theirs = selectors.sidebar_counts(other_agent, [desk["queue"], elsewhere])
    assert theirs["all"] == 0 and theirs[f"queue-{desk['queue'].pk}"] == 0 and len(compiled) == 4
