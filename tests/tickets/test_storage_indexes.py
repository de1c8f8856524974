"""Storage (issue 21 item 4, migration 0020): indexes sized to what is read of them, and each still serving the
queries and constraint checks it is there for, under the generic plans of prepared statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tenancy.context import tenant_context, unscoped
from tenancy.db.router import PLATFORM
from tests.tickets.factories import AttachmentFactory, MessageFactory
from tests.tickets.test_generic_plans import _generic_plan
from tickets import selectors, services
from tickets.models import Message, Ticket, TicketEvent


def _definitions(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def _constraint_check_plan(table: str, column: str) -> str:
    """The plan of the query a foreign key's check runs on the referencing table when a parent row is deleted,
    as PostgreSQL runs it: without row-level security (the platform role's connection bypasses it too)."""
    with unscoped(), connections[PLATFORM].cursor() as cursor:
        cursor.execute(f"PREPARE fk_check AS SELECT 1 FROM ONLY {table} x WHERE {column} = $1 FOR KEY SHARE OF x")
        try:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN EXECUTE fk_check(1)")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE fk_check")


@pytest.mark.django_db
def test_a_tickets_messages_and_events_are_found_by_ticket_alone(tenant, agent, new_ticket, other_tenant):
    # given a ticket whose second message was written with an earlier time than the first (an import, a replay)
    ticket = new_ticket(subject="Backdated", body="First in id order.")
    with tenant_context(tenant):
        reply = services.reply(ticket=ticket, actor=agent, body="Earlier in time.")
        first = Message.objects.exclude(pk=reply.pk).get(ticket=ticket)
        Message.objects.filter(pk=reply.pk).update(created_at=first.created_at - timedelta(hours=1))
        messages = Message.objects.filter(ticket_id__in=[ticket.pk]).order_by("created_at", "id")
        events = TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id")
        message_plan, event_plan = _generic_plan(messages.values("pk")), _generic_plan(events.values("pk"))
        # then the timeline still reads them in time order (a sort now, no longer the index's order)
        timeline = [entry.message.pk for entry in selectors.get_timeline(ticket) if entry.message is not None]
    assert timeline == [reply.pk, first.pk]
    # and each is read through its (tenant, ticket) index: equal keys that PostgreSQL deduplicates (no INCLUDE,
    # which would prevent it), not one (tenant, ticket, created_at, id) entry per row
    assert "message_ticket" in message_plan and "ticketevent_ticket" in event_plan
    definitions = {**_definitions("tickets_message"), **_definitions("tickets_ticketevent")}
    assert definitions["message_ticket"].endswith("USING btree (tenant_id, ticket_id)")
    assert definitions["ticketevent_ticket"].endswith("USING btree (tenant_id, ticket_id)")
    assert "message_ticket_created" not in definitions and "ticketevent_ticket_created" not in definitions
    with tenant_context(other_tenant):
        assert not Message.objects.filter(ticket_id=ticket.pk).exists()


@pytest.mark.django_db
def test_closed_tickets_are_left_out_of_the_open_lists_indexes(tenant, agent, supervisor, desk, new_ticket):
    # given an open ticket and a closed one in the same queue
    open_ticket, closed = new_ticket(subject="Still open"), new_ticket(subject="Done with")
    with tenant_context(tenant):
        Ticket.objects.filter(pk=closed.pk).update(status="closed", is_open=False, next_due_at=None)
        queue = selectors.queue_tickets(supervisor, desk["queue"]).order_by(*selectors.SORTS["due"])
        queue_plan = _generic_plan(queue.values("pk"), ordered=True)
        # then the queue's list is its open ticket, read from the index of open tickets only
        assert list(queue.values_list("pk", flat=True)) == [open_ticket.pk]
    assert "ticket_queue_open" in queue_plan
    # and the open-tickets index also holds the closed tickets with a due time (reporting.dashboard.due reads
    # them from it), but not the other closed ones
    definitions = _definitions("tickets_ticket")
    assert definitions["ticket_queue_open"].endswith("WHERE is_open")
    assert definitions["ticket_open_or_due"].endswith("WHERE (is_open OR (next_due_at IS NOT NULL))")


@pytest.mark.django_db
def test_unread_and_duplicate_ticket_indexes_are_gone():
    # then the index reporting_ticket_answered duplicates, and the one nothing reads, are not kept
    definitions = _definitions("tickets_ticket")
    assert "ticket_first_response" not in definitions and "ticket_resolved" not in definitions
    assert "first_response_at" in definitions["reporting_ticket_answered"]


# Partial indexes whose condition a foreign key's own partial index's condition implies.
ALSO_IMPLIED = {"ticket_merged_into": ("ticket_merged_or_spam",)}


@pytest.mark.django_db(databases=["default", PLATFORM])
@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("tickets_message", "author_membership_id", "message_author_member"),
        ("tickets_message", "author_contact_id", "message_author_contact"),
        ("tickets_ticket", "merged_into_id", "ticket_merged_into"),
        ("tickets_ticketevent", "actor_membership_id", "ticketevent_actor_member"),
        ("tickets_ticketevent", "actor_contact_id", "ticketevent_actor_contact"),
    ],
)
def test_nullable_foreign_keys_keep_their_constraint_checked_through_a_partial_index(table, column, index):
    # given a nullable foreign key whose own index now holds only the rows where it is set
    definitions = _definitions(table)
    assert definitions[index].endswith(f"WHERE ({column} IS NOT NULL)")
    assert not [name for name, sql in definitions.items() if sql.endswith(f"btree ({column})")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass "
            "AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s)]",
            [table, table, column],
        )
        constraints = cursor.fetchone()[0]
    # then the constraint is still there, and its check on a parent's delete reads the partial index (or, for
    # merged_into, the other partial index whose condition it implies: on the test's nearly empty table the two
    # cost the same and the planner's pick follows what other tests left in the statistics)
    assert constraints == 1
    plan = _constraint_check_plan(table, column)
    assert any(name in plan for name in (index, *ALSO_IMPLIED.get(index, ())))
    assert "Seq Scan" not in plan


@pytest.mark.django_db
def test_a_messages_primary_key_is_its_tenant_key(tenant, agent, new_ticket, other_tenant):
    # given a ticket with an attachment on its message, and a message in another tenant
    ticket = new_ticket(subject="Scanned invoice", body="Attached.")
    with tenant_context(tenant):
        message = Message.objects.get(ticket=ticket)
        AttachmentFactory(tenant=tenant, ticket=ticket, message=message)
    theirs = MessageFactory(tenant=other_tenant)
    # then one unique index serves a message: the primary key on (tenant_id, id), under the tenant key's name
    # (TenantSecurity finds it), and nothing references a message by id alone
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, indisprimary, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'tickets_message'::regclass AND indisunique"
        )
        unique = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, array_length(conkey, 1) FROM pg_constraint "
            "WHERE confrelid = 'tickets_message'::regclass ORDER BY 1"
        )
        references = cursor.fetchall()
    assert unique == [("tickets_message_tenant_key", True, unique[0][2])]
    assert unique[0][2].endswith("USING btree (tenant_id, id)")
    assert references == [("tickets_attachment", 2), ("tickets_inboundemail", 2), ("tickets_outboundemail", 2)]
    # and the database still refuses an attachment on another tenant's message (the same-tenant key)
    with tenant_context(tenant), pytest.raises(IntegrityError), transaction.atomic():
        AttachmentFactory(tenant=tenant, ticket=ticket, message_id=theirs.pk)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
