"""Routing a drain batch: the rules, decisions, names and new tickets' facts are read once for the whole batch, and
a ticket changed after its facts were read is decided from what it is now."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from routing.batch import assigned_entries, reading_together
from routing.feed import handle_change
from routing.models import AssignmentDecision, RoutingDecision
from tenancy.context import tenant_context
from tests.routing.conftest import act, cond, rule_names
from tests.tickets.factories import ContactFactory
from tickets import clock, services
from tickets.feed.dispatch import changes_of, drain
from tickets.models import FeedEntry, Queue


def _opened_while_replaying(tenant, contact, subjects, **extra):
    """Tickets opened as an import would (their entries wait: no drain is published), for one batch to take."""
    with tenant_context(tenant), clock.replaying(clock.now() - timedelta(minutes=5)):
        return [
            services.create_ticket(actor=contact, contact=contact, subject=subject, body="x", **extra)
            for subject in subjects
        ]


def test_a_batch_of_new_tickets_reads_the_rules_and_decisions_once(tenant, routing_desk, publish):
    # given a published rule and five new tickets waiting in the feed
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    tickets = _opened_while_replaying(tenant, routing_desk["contact"], [f"Invoice {n}" for n in range(5)])
    # when one drain routes them
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        drain()
    statements = [query["sql"] for query in queries.captured_queries]
    # then every ticket was routed by the rule, and the rules, the decided entries and the facts were read once
    with tenant_context(tenant):
        assert set(RoutingDecision.objects.values_list("ticket_id", flat=True)) == {t.pk for t in tickets}
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.queue_id == routing_desk["finance"].pk
    assert len([sql for sql in statements if 'FROM "routing_rulesetversion"' in sql]) == 1
    assert len([sql for sql in statements if 'SELECT 1 AS "a" FROM "routing_routingdecision"' in sql]) == 0
    assert len([sql for sql in statements if 'FROM "tickets_tickettag"' in sql]) == 1


def test_a_ticket_changed_after_the_batch_read_it_is_decided_from_what_it_is_now(tenant, routing_desk, publish, agent):
    # given a rule on the Billing category and a new ticket without one, waiting in the feed
    publish({"name": "Billing", "conditions": [cond("category", "is", "Billing")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    (ticket,) = _opened_while_replaying(tenant, routing_desk["contact"], ["Question"])
    with tenant_context(tenant), transaction.atomic():
        changes = changes_of(list(FeedEntry.objects.filter(ticket=ticket)))
        with reading_together(changes):
            # when an agent files it under Billing after the batch read its facts, before routing locks it
            services.update_ticket(ticket=ticket, changes={"category": routing_desk["billing"]}, actor=agent)
            decision = handle_change(changes[0])
    # then the rule saw the category it has now and moved it
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert rule_names(decision) == ["Billing"]
        assert ticket.queue_id == routing_desk["finance"].pk


def test_a_batch_skips_an_entry_decided_before(tenant, routing_desk, publish, open_routed):
    # given a ticket routed once
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("add_note", "Check the ledger")]})  # fmt: skip
    ticket, _ = open_routed(subject="Invoice")
    with tenant_context(tenant), transaction.atomic():
        changes = changes_of([FeedEntry.objects.filter(ticket=ticket).order_by("id").first()])
        # when a batch hands the same entry over again
        with reading_together(changes):
            again = handle_change(changes[0])
        # then nothing is decided twice
        assert again is None
        assert RoutingDecision.objects.filter(ticket=ticket).count() == 1


def test_a_batch_asks_which_entries_were_assigned_through_the_entry_index(tenant, routing_desk, other_tenant):
    # given assignment decisions of two feed entries in this tenant, and one of entry 103 in another tenant
    (ticket,) = _opened_while_replaying(tenant, routing_desk["contact"], ["Assigned before"])
    with tenant_context(tenant):
        for entry_id in (101, 102):
            AssignmentDecision.objects.create(
                ticket=ticket, queue=ticket.queue, strategy="least_loaded", outcome="waiting", entry_id=entry_id
            )
    with tenant_context(other_tenant):
        Queue.objects.create(name="Inbox", is_default=True)
        stranger = ContactFactory(tenant=other_tenant)
        elsewhere = services.create_ticket(actor=stranger, contact=stranger, subject="Theirs", body="x")
        AssignmentDecision.objects.create(
            ticket=elsewhere, queue=elsewhere.queue, strategy="least_loaded", outcome="waiting", entry_id=103
        )
    with tenant_context(tenant):
        asked = assigned_entries([101, 103])
        sql, params = asked.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows would be read whole otherwise
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        # when a batch of entries 101 and 103 asks, then only 101 was decided
        assert set(asked) == {101}
    # and the question is answered from the entry index, not by reading every decision of the tenant
    assert "routing_assigndec_entry" in plan
    with tenant_context(other_tenant):
        assert set(assigned_entries([101, 102])) == set()
