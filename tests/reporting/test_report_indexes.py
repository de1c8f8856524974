"""The reports' indexes after the storage work (issue 21 item 4, reporting 0008)."""

from __future__ import annotations

import pytest
from django.db import connection

from reporting.reports import data
from tenancy.context import tenant_context
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_staff_replies_are_counted_from_their_deduplicated_index(tenant, agent, new_ticket, other_tenant):
    # given a ticket with the customer's message, two staff replies and a note, and another tenant's ticket
    ticket = new_ticket(subject="Counted", body="Help me.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="First answer.")
        services.reply(ticket=ticket, actor=agent, body="Second answer.")
        services.add_note(ticket=ticket, actor=agent, body="Internal.")
        counted = Ticket.objects.filter(pk=ticket.pk).annotate(n=data.agent_replies("pk"))
        sql, params = counted.values("n").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows would be read whole otherwise
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        # then the public replies by staff are counted, not the customer's message nor the note
        assert counted.get().n == 2
    # and the count reads the index that holds (tenant, ticket) only: no INCLUDE, so PostgreSQL deduplicates it
    assert "Index Only Scan using reporting_message_staff_reply" in plan
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_message'")
        definitions = dict(cursor.fetchall())
    assert "INCLUDE" not in definitions["reporting_message_staff_reply"]
    assert "reporting_message_staff_replies" not in definitions
    with tenant_context(other_tenant):
        assert not Ticket.objects.filter(pk=ticket.pk).annotate(n=data.agent_replies("pk")).exists()
