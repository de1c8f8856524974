"""An automation's batch of held tickets written once at its end (tickets.services.later.writing_later): each
ticket's row in one UPDATE and the events in one INSERT, in the order its steps made them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tenancy.actors import Automation
from tickets.models import Priority, Ticket, TicketEvent
from tickets.services.common import holding, lock_tickets
from tickets.services.events import new_event, record_event, record_events
from tickets.services.later import write_now, writing_later
from tickets.services.updates import save_together

pytestmark = pytest.mark.django_db

ROBOT = Automation("test-robot")


def _two_steps(tickets, agent):
    """What routing's steps do to held tickets: fields with their events, then the assignee with its events."""
    for ticket in tickets:
        ticket.priority = Priority.HIGH
    save_together([(ticket, {"priority"}) for ticket in tickets])
    record_events([new_event(t, actor=ROBOT, kind="priority_changed", field="priority", new="3") for t in tickets])
    for ticket in tickets:
        ticket.assignee = agent
    save_together([(ticket, {"assignee"}) for ticket in tickets])
    record_events([new_event(t, actor=ROBOT, kind="assigned", field="assignee", new=agent.pk) for t in tickets])


def _kinds(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def test_a_batchs_rows_and_events_are_written_once_at_its_end_in_order(in_tenant, new_ticket, desk, agent):
    # given two held tickets
    made = [new_ticket(subject="One"), new_ticket(subject="Two")]
    with transaction.atomic():
        tickets = list(lock_tickets(t.pk for t in made).values())
        # when two steps change them inside writing_later
        with holding(*tickets), CaptureQueriesContext(connection) as queries, writing_later():
            _two_steps(tickets, agent)
            written_inside = [q["sql"] for q in queries.captured_queries]
        statements = [q["sql"] for q in queries.captured_queries]
    # then nothing was written before the block's end, and then one UPDATE and one INSERT
    assert not [sql for sql in written_inside if sql.startswith(("UPDATE", "INSERT"))]
    assert len([sql for sql in statements if sql.startswith('UPDATE "tickets_ticket"')]) == 1
    assert len([sql for sql in statements if sql.startswith('INSERT INTO "tickets_ticketevent"')]) == 1
    # and each ticket has both changes, with its events in the order the steps made them
    for ticket in made:
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert (ticket.priority, ticket.assignee_id) == (Priority.HIGH, agent.pk)
        assert _kinds(ticket)[-2:] == ["priority_changed", "assigned"]


def test_a_batch_that_fails_writes_nothing_it_kept(in_tenant, new_ticket, desk, agent):
    # given a held ticket
    made = new_ticket()
    with pytest.raises(RuntimeError), transaction.atomic():
        tickets = list(lock_tickets([made.pk]).values())
        # when a step fails after others kept their writes
        with holding(*tickets), CaptureQueriesContext(connection) as queries, writing_later():
            _two_steps(tickets, agent)
            raise RuntimeError("the strategy's dependency is down")
    # then none of it reached the database
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    ticket = Ticket.objects.get(pk=made.pk)
    assert ticket.assignee_id is None
    assert _kinds(ticket) == ["created"]


def test_an_event_written_on_its_own_inside_the_batch_comes_after_what_was_kept(in_tenant, new_ticket, desk, agent):
    # given a held ticket whose batch kept a change
    made = new_ticket()
    with transaction.atomic():
        (ticket,) = lock_tickets([made.pk]).values()
        with holding(ticket), writing_later():
            _two_steps([ticket], agent)
            # when a step writes an event one at a time (as a note does), and then writes now and keeps no more
            record_event(ticket, actor=ROBOT, kind="tagged", field="tags", new="1")
            write_now()
            ticket.priority = Priority.LOW
            save_together([(ticket, {"priority"})])
    # then the trail is in the order things happened, and the later write went straight to the row
    assert _kinds(made)[-3:] == ["priority_changed", "assigned", "tagged"]
    assert Ticket.objects.get(pk=made.pk).priority == Priority.LOW


def test_one_ticket_edited_through_two_instances_in_a_batch_is_refused(in_tenant, new_ticket):
    # given two instances of one ticket, when a batch keeps edits of both, then it refuses (one would be lost)
    made = new_ticket()
    first, second = Ticket.objects.get(pk=made.pk), Ticket.objects.get(pk=made.pk)
    with pytest.raises(ValueError, match="two instances"), transaction.atomic(), writing_later():
        save_together([(first, {"priority"})])
        save_together([(second, {"priority"})])
