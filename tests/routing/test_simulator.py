"""The simulator on a known dataset: counts per queue, priority and category beside what happened."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from routing import services as routing_services
from routing.simulator import simulate
from tenancy.context import tenant_context
from tests.routing.conftest import SETUP, act, cond
from tickets import clock, services
from tickets.models import Priority


def test_simulator_counts_what_the_draft_would_decide(tenant, routing_desk, agent):
    # given six tickets in the last 30 days (three about invoices, one an agent filed in Senior) and one older
    now = timezone.now()
    contact = routing_desk["contact"]
    with tenant_context(tenant):
        for days, subject in [(1, "Invoice wrong"), (2, "invoice copy"), (3, "Second INVOICE"), (4, "Printer"),
                              (5, "Password"), (40, "Old invoice")]:  # fmt: skip
            with clock.replaying(now - timedelta(days=days)):
                services.create_ticket(actor=contact, contact=contact, subject=subject, body="Hello")
        with clock.replaying(now - timedelta(days=6)):
            services.create_ticket(actor=agent, contact=contact, subject="Invoice by phone", body="Hi",
                                   queue=routing_desk["senior"])  # fmt: skip
        # and a draft rule: invoices -> Finance, high priority, category Billing
        routing_services.create_rule(
            actor=SETUP, name="Billing", conditions=[cond("subject", "contains_any", "invoice")],
            actions=[act("set_queue", "Finance"), act("set_priority", "High"), act("set_category", "Billing")],
        )  # fmt: skip
        # when the draft is simulated over 30 days
        result = simulate(days=30, now=now)
    # then it counts six tickets; three move to Finance (the agent's choice is kept), four become high priority
    assert result.total == 6 and result.matched == 4
    queue = result.counts["queue"]
    assert queue["actual"] == {routing_desk["queue"].pk: 5, routing_desk["senior"].pk: 1}
    assert queue["simulated"] == {routing_desk["finance"].pk: 3, routing_desk["queue"].pk: 2,
                                  routing_desk["senior"].pk: 1}  # fmt: skip
    assert result.counts["priority"]["simulated"] == {Priority.HIGH: 4, Priority.NORMAL: 2}
    assert result.counts["category"]["simulated"] == {routing_desk["billing"].pk: 4, None: 2}
    assert dict(result.changed) == {"queue": 3, "priority": 4, "category": 4}
    assert [(row.label, row.actual, row.simulated) for row in result.rows["queue"]] == [
        ("General", 5, 2), ("Finance", 0, 3), ("Senior", 1, 1),
    ]  # fmt: skip


def test_simulator_reads_the_same_facts_as_the_engine(tenant, routing_desk, agent):
    # given tickets from two requesters (one VIP of Initech), with tags, HTML bodies with entities, and a follow-up
    from routing.compiler import compile_rules
    from routing.conditions import Context
    from routing.engine import evaluate
    from routing.facts import facts_for
    from tickets.models import Ticket

    now = timezone.now()
    vip, contact = routing_desk["vip"], routing_desk["contact"]
    with tenant_context(tenant):
        for n, (who, subject, body, tags) in enumerate([
            (vip, "Invoice wrong", "We were <b>charged</b> twice &amp; more", ["refund"]),
            (contact, "Printer", "It is broken\r\nagain", []),
            (vip, "Hello", "Fish &amp; chips", ["vip", "refund"]),
            (contact, "Refund please", "charged twice", ["vip"]),
        ]):  # fmt: skip
            with clock.replaying(now - timedelta(days=n + 1)):
                services.create_ticket(actor=who, contact=who, subject=subject, body="x", tags=tags,
                                       body_html=f"<p>{body}</p>")  # fmt: skip
        # and a draft of rules on the requester, tags, body words, patterns and negation
        rules = [
            {"name": "VIP", "conditions": [cond("tier", "is", "VIP"), cond("tags", "includes_any", "refund")],
             "actions": [act("set_queue", "Senior")]},
            {"name": "Initech", "conditions": [cond("organisation", "is", "Initech")],
             "actions": [act("set_category", "Hardware")]},
            {"name": "Twice", "match": "any",
             "conditions": [cond("body", "contains_all", "charged, twice"), cond("body", "matches", r"fish & chips")],
             "actions": [act("set_priority", "Urgent")]},
            {"name": "Not broken", "conditions": [cond("text", "contains_any", "broken", negate=True)],
             "actions": [act("set_category", "Billing")]},
        ]  # fmt: skip
        for rule in rules:
            routing_services.create_rule(actor=SETUP, **rule)
        # when the draft is simulated
        result = simulate(days=30, now=now)
        # then every rule's hits are what the engine decides from each ticket's own facts
        ruleset = compile_rules(routing_services.draft_rules())
        expected = Counter()
        for ticket_id in Ticket.objects.values_list("pk", flat=True):
            matches, _, _ = evaluate(ruleset, facts_for(ticket_id), Context())
            expected.update(match.rule.id for match in matches)
    assert result.total == 4
    assert dict(result.rule_hits) == dict(expected)
    names = {rule.id: rule.name for rule in ruleset.rules}
    assert {names[rule_id]: hits for rule_id, hits in result.rule_hits.items()} == {
        "VIP": 2, "Initech": 2, "Twice": 3, "Not broken": 3,
    }  # fmt: skip


def test_simulator_reads_only_what_the_rules_read(tenant, routing_desk):
    # given tickets and a draft that tests only the subject
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()
    contact = routing_desk["contact"]
    with tenant_context(tenant):
        for subject in ("Invoice wrong", "Printer"):
            services.create_ticket(actor=contact, contact=contact, subject=subject, body="Hello", tags=["vip"])
        invoice = cond("subject", "contains_any", "invoice")
        routing_services.create_rule(actor=SETUP, name="Billing", conditions=[invoice],
                                     actions=[act("set_priority", "High")])  # fmt: skip
        # when it is simulated
        with CaptureQueriesContext(connection) as captured:
            result = simulate(days=30, now=now + timedelta(minutes=1))
    # then it counts right without reading messages, tags or requesters
    assert result.total == 2 and result.matched == 1
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "tickets_message" not in sql and "tickets_tickettag" not in sql and "tickets_contact" not in sql
    assert "tickets_ticket" in sql
