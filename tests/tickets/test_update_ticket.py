"""update_ticket: several field changes through the per-field services in one transaction, all or nothing, one
change-feed entry; values already set are a no-op for automations and a message for people."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tenancy.models import CrossTenantError
from tenancy.roles import Role
from tests.conftest import make_member
from tickets import services
from tickets.lifecycle import Status
from tickets.models import FeedEntry, Priority, Queue, Team, Ticket, TicketEvent
from tickets.services import Automation, NothingToChange, ServiceError, update_ticket
from tickets.services.common import holding, lock

ROUTING = Automation(name="routing rule #7")


def entries(ticket) -> list[list[str]]:
    """The ticket's feed entries, oldest first, each as the kinds of its events in order."""
    rows = FeedEntry.objects.filter(ticket=ticket).order_by("id")
    kinds = dict(TicketEvent.objects.filter(ticket=ticket).values_list("id", "kind"))
    return [[kinds[event_id] for event_id in row.event_ids] for row in rows]


def kinds(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_update_ticket_several_fields_leave_one_feed_entry_with_each_event(tenant, agent, desk, new_ticket):
    # given a tagged ticket in the general queue and a billing queue of another team
    ticket = new_ticket()
    with tenant_context(tenant):
        services.tag(ticket=ticket, names=["old"], actor=agent)
        billing = Queue.objects.create(name="Billing", team=Team.objects.create(name="Billing"))
        # when an agent changes priority, queue, assignee, tags, escalation and status in one call
        updated = update_ticket(
            ticket=ticket,
            changes={
                "priority": Priority.HIGH,
                "queue": billing,
                "assignee": agent,
                "tags": ["new"],
                "escalation_level": 1,
                "status": Status.PENDING,
            },
            actor=agent,
            reason="Customer called",
        )
        # then every field changed, and the call left exactly one feed entry holding each change's event
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert (fresh.priority, fresh.queue_id, fresh.team_id, fresh.assignee_id) == (
            3, billing.pk, billing.team_id, agent.pk,
        )  # fmt: skip
        assert (fresh.escalation_level, fresh.status, updated.status) == (1, "pending", "pending")
        assert sorted(tag.name for tag in fresh.tags.all()) == ["new"]
        assert entries(ticket)[2:] == [
            ["priority_changed", "queue_changed", "team_changed", "assigned", "tagged", "untagged", "escalated",
             "status_changed"]
        ]  # fmt: skip
        assert len(entries(ticket)) == 3  # created, the tag, this call
        # and each change carries the reason (the team follows the queue; its event has none of its own)
        last = FeedEntry.objects.filter(ticket=ticket).order_by("id").last()
        reasons = TicketEvent.objects.filter(pk__in=last.event_ids).values_list("kind", "reason")
        assert {kind for kind, reason in reasons if reason != "Customer called"} == {"team_changed"}


@pytest.mark.django_db(transaction=True)
def test_update_ticket_one_refused_change_rolls_back_the_others(tenant, agent, customer, desk, new_ticket):
    # given a ticket and a customer (who cannot be assigned tickets)
    ticket = new_ticket()
    with tenant_context(tenant):
        before = kinds(ticket)
        # when an agent raises the priority, adds a tag and assigns the customer in one call
        with pytest.raises(ServiceError, match="is not an agent here"):
            update_ticket(
                ticket=ticket,
                changes={"priority": Priority.URGENT, "add_tags": ["vip"], "assignee": customer},
                actor=agent,
            )
        # then nothing changed: no priority, no tag, no event, no feed entry
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.priority == Priority.NORMAL and not fresh.tags.exists()
        assert kinds(ticket) == before
        assert entries(ticket) == [["created"]]


@pytest.mark.django_db(transaction=True)
def test_update_ticket_reopens_first_so_assigning_a_resolved_ticket_works(tenant, agent, desk, new_ticket):
    # given a resolved ticket (assigning and escalating need an open one)
    ticket = new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        # when one call reopens it, assigns it and escalates it
        update_ticket(
            ticket=ticket, changes={"assignee": agent, "escalation_level": 2, "status": Status.OPEN}, actor=agent
        )
        # then the reopen went first, in the same entry
        assert entries(ticket)[-1] == ["reopened", "assigned", "escalated"]


@pytest.mark.django_db(transaction=True)
def test_update_ticket_already_set_is_a_no_op_for_an_automation(tenant, desk, new_ticket):
    # given a normal-priority ticket in the general queue
    ticket = new_ticket()
    with tenant_context(tenant):
        before = kinds(ticket)
        # when a routing rule sets what the ticket already has
        update_ticket(ticket=ticket, changes={"priority": Priority.NORMAL, "queue": desk["queue"]}, actor=ROUTING)
        # then no error, no event, no feed entry
        assert kinds(ticket) == before
        assert entries(ticket) == [["created"]]
        # and with one field that does change, only that one is recorded
        update_ticket(ticket=ticket, changes={"priority": Priority.HIGH, "queue": desk["queue"]}, actor=ROUTING)
        assert entries(ticket) == [["created"], ["priority_changed"]]


@pytest.mark.django_db
def test_update_ticket_already_set_tells_a_person(tenant, agent, desk, new_ticket):
    # given a normal-priority ticket in the general queue
    ticket = new_ticket()
    with tenant_context(tenant):
        before = kinds(ticket)
        # when an agent sets what it already has: one field, then several
        with pytest.raises(NothingToChange) as one:
            update_ticket(ticket=ticket, changes={"priority": Priority.NORMAL}, actor=agent)
        with pytest.raises(NothingToChange) as several:
            update_ticket(
                ticket=ticket,
                changes={"priority": Priority.NORMAL, "queue": desk["queue"], "assignee": None, "status": "new"},
                actor=agent,
            )
        # then each refusal says what is already so, and nothing was recorded
        assert str(one.value) == "The ticket is already Normal priority."
        assert str(several.value) == (
            "The ticket is already new, already Normal priority, already in General and already unassigned."
        )
        assert kinds(ticket) == before
        # and when something else changes in the same call, the unchanged fields are skipped without a word
        update_ticket(ticket=ticket, changes={"priority": Priority.NORMAL, "assignee": agent}, actor=agent)
        assert kinds(ticket) == [*before, "assigned"]


@pytest.mark.django_db
def test_update_ticket_refuses_an_unknown_field_by_name(tenant, agent, desk, new_ticket):
    # given a ticket
    ticket = new_ticket()
    with tenant_context(tenant):
        # when a call names a field a ticket does not have, besides a real one
        with pytest.raises(ServiceError, match="no field “colour”"):
            update_ticket(ticket=ticket, changes={"priority": Priority.HIGH, "colour": "red"}, actor=agent)
        # then nothing changed
        assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL


@pytest.mark.django_db
def test_update_ticket_tags_add_and_remove_only_the_names_given(tenant, agent, desk, new_ticket):
    # given a ticket tagged "a" and "b"
    ticket = new_ticket()
    with tenant_context(tenant):
        services.tag(ticket=ticket, names=["a", "b"], actor=agent)
        # when an agent adds "C" and removes "a", then asks for tags it already has
        update_ticket(ticket=ticket, changes={"add_tags": ["C"], "remove_tags": ["a"]}, actor=agent)
        with pytest.raises(NothingToChange, match="already tagged b, c and already without a"):
            update_ticket(ticket=ticket, changes={"add_tags": ["b", "c"], "remove_tags": ["a"]}, actor=agent)
        # then "b" stayed, "c" came, "a" went; a full list and a partial change together are refused
        assert sorted(tag.name for tag in Ticket.objects.get(pk=ticket.pk).tags.all()) == ["b", "c"]
        with pytest.raises(ServiceError, match="not both"):
            update_ticket(ticket=ticket, changes={"tags": ["x"], "add_tags": ["y"]}, actor=agent)


@pytest.mark.django_db(transaction=True)
def test_update_ticket_refuses_another_tenants_queue_and_assignee(tenant, other_tenant, agent, desk, new_ticket):
    # given acme's ticket, and globex's queue and agent, which exist
    ticket = new_ticket()
    globex_agent = make_member(other_tenant, Role.AGENT, "agent@globex.example")
    with tenant_context(other_tenant):
        globex_queue = Queue.objects.create(name="Globex general", is_default=True)
    with tenant_context(tenant):
        # when an agent (and an automation) move acme's ticket there or assign it to globex's agent, with a
        # priority change that would otherwise go through
        for actor in (agent, ROUTING):
            for changes in ({"queue": globex_queue}, {"assignee": globex_agent}):
                with pytest.raises(CrossTenantError):
                    update_ticket(ticket=ticket, changes={"priority": Priority.HIGH, **changes}, actor=actor)
        # then the ticket is as it was, with no event and no entry besides its creation
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert (fresh.queue_id, fresh.assignee_id, fresh.priority) == (desk["queue"].pk, None, Priority.NORMAL)
        assert entries(ticket) == [["created"]]


@pytest.mark.django_db
def test_several_changes_lock_the_ticket_once(tenant, agent, desk, new_ticket):
    # given a ticket and a second queue
    ticket = new_ticket()
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing")
        # when an automation changes priority, queue and tags in one call
        with CaptureQueriesContext(connection) as queries:
            update_ticket(
                ticket=ticket, changes={"priority": Priority.HIGH, "queue": billing, "add_tags": ["vip"]}, actor=ROUTING
            )
    # then the row is read with its lock once, not once per change, and only update_ticket takes a savepoint
    # (the test's transaction keeps the feed's subscribers, which lock the ticket after commit, out of the count)
    statements = [query["sql"] for query in queries.captured_queries]
    assert sum("FOR UPDATE" in sql for sql in statements) == 1
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_change_after_a_refused_one_in_the_same_transaction_reads_the_ticket_again(
    tenant, other_tenant, desk, new_ticket
):
    # given a ticket, another tenant's queue, and a caller that holds the ticket's lock (as routing does)
    ticket = new_ticket()
    with tenant_context(other_tenant):
        globex_queue = Queue.objects.create(name="Globex general", is_default=True)
    with tenant_context(tenant), transaction.atomic():
        held = lock(ticket)
        with holding(held):
            # and a call whose priority change went through in memory before its queue change was refused
            with pytest.raises(CrossTenantError), transaction.atomic():
                update_ticket(ticket=held, changes={"priority": Priority.URGENT, "queue": globex_queue}, actor=ROUTING)
            # when the caller applies the priority alone, as routing's one-by-one fallback does
            update_ticket(ticket=held, changes={"priority": Priority.URGENT}, actor=ROUTING)
    # then the priority is stored: the rolled-back value left in memory was not taken for the row's
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).priority == Priority.URGENT
