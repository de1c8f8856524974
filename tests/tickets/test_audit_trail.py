"""TicketEvent is append-only: the ORM refuses to update or delete one, and so does PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from tenancy.context import tenant_context, unscoped
from tickets.models import TicketEvent


@pytest.mark.django_db(transaction=True)
def test_events_cannot_be_updated_or_deleted(tenant, desk, new_ticket):
    # given a ticket with its "created" event
    ticket = new_ticket()
    with tenant_context(tenant):
        event = TicketEvent.objects.get(ticket=ticket)
        # when code tries to change or remove it, then it is refused
        event.reason = "rewritten"
        with pytest.raises(TypeError, match="append-only"):
            event.save()
        with pytest.raises(TypeError, match="append-only"):
            event.delete()
        for statement in (
            "UPDATE tickets_ticketevent SET reason = 'rewritten' WHERE id = %s",
            "DELETE FROM tickets_ticketevent WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            TicketEvent.objects.filter(pk=event.pk).update(reason="bulk rewrite")
    # even platform code, on the platform connection (BYPASSRLS), cannot rewrite history
    with pytest.raises(DatabaseError, match="append-only"), unscoped(), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).delete()
    with tenant_context(tenant):
        assert TicketEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_an_event_has_exactly_one_actor(tenant, agent, desk, new_ticket):
    from django.db import IntegrityError

    ticket = new_ticket()
    with tenant_context(tenant):
        for actors in ({}, {"actor_membership": agent, "actor_automation": "SLA sweep"},
                       {"actor_membership": agent, "actor_contact": desk["contact"]}):  # fmt: skip
            with pytest.raises(IntegrityError), transaction.atomic():
                TicketEvent.objects.create(ticket=ticket, kind="x", **actors)
