"""A drain batch's new tickets are routed together (routing.route.route_together): a fixed number of statements for
the whole batch, and exactly the tickets, audit events, feed entries, decisions and notifications that routing the
same tickets one by one (route_ticket) gives."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import tickets.feed.dispatch as dispatch
from routing import services as routing_services
from routing.batch import BatchReads
from routing.models import AssignmentDecision, RoutingDecision
from routing.selectors import matched_rules
from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.models import Membership, PendingTask
from tests.routing.conftest import act, cond
from tests.routing.test_assignment import agent_named
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.feed.dispatch import drain
from tickets.models import (
    Category,
    EscalationTier,
    FeedEntry,
    Notification,
    Queue,
    Tag,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
)
from tickets.services import ServiceError, updates, workflow

SETUP = Automation("test setup")


@contextmanager
def routing_statements():
    """The statements routing's subscriber runs in the drain batches inside the block (the others' left out)."""
    counted: list[str] = []
    deliver = dispatch._deliver_batch

    def counting(subscriber, changes):
        if subscriber.name != "routing":
            return deliver(subscriber, changes)
        with CaptureQueriesContext(connection) as queries:
            done = deliver(subscriber, changes)
        counted.extend(query["sql"] for query in queries.captured_queries)
        return done

    dispatch._deliver_batch = counting
    try:
        yield counted
    finally:
        dispatch._deliver_batch = deliver


@pytest.mark.django_db
def test_route_together_costs_a_batch_the_same_statements_whatever_its_size(tenant, routing_desk, publish, agent):
    # given a rule that moves, reprioritises, files and tags billing tickets, and an online agent in Finance's team
    with tenant_context(tenant):
        Queue.objects.filter(pk=routing_desk["finance"].pk).update(assignment_strategy="least_loaded")
        Membership.objects.filter(pk=agent.pk).update(availability="online", capacity=100)
        Tag.objects.create(name="billing")  # created on first use: here both batches find it
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance"), act("set_priority", "High"),
                         act("set_category", "Billing / Refunds"), act("add_tags", "billing")]})  # fmt: skip
    contact = routing_desk["contact"]

    def route(count: int) -> list[str]:
        with tenant_context(tenant):
            made = [
                services.create_ticket(actor=contact, contact=contact, subject=f"Invoice {n}", body="x")
                for n in range(count)
            ]
            with routing_statements() as statements:
                drain()
            for ticket in made:
                ticket.refresh_from_db()
                assert (ticket.queue_id, ticket.assignee_id) == (routing_desk["finance"].pk, agent.pk)
                assert list(ticket.tags.values_list("name", flat=True)) == ["billing"]
        return statements

    # when a batch of 2 and then a batch of 8 new tickets are routed
    two, eight = route(2), route(8)
    # then both cost routing the same statements: nothing is written or read per ticket
    assert len(eight) == len(two), "\n".join(eight)
    assert len(eight) <= 35  # 8 tickets one by one cost about 30 each
    # the rules' fields, their tags and assignment's: each ticket's row rewritten once, their events in one INSERT
    assert len([sql for sql in eight if sql.startswith('UPDATE "tickets_ticket"')]) == 1
    assert len([sql for sql in eight if sql.startswith('INSERT INTO "tickets_ticketevent"')]) == 1
    assert len([sql for sql in eight if sql.startswith('INSERT INTO "tickets_tickettag"')]) == 1


@pytest.mark.django_db
def test_route_together_works_out_who_may_be_picked_once_a_batch_per_queue(
    tenant, routing_desk, publish, agent, monkeypatch
):
    # given three agents in Finance's team (one offline), a least-loaded Finance queue and a rule moving tickets there
    from routing.assignment import candidates
    from tests.routing.test_assignment import agent_named

    with tenant_context(tenant):
        Queue.objects.filter(pk=routing_desk["finance"].pk).update(assignment_strategy="least_loaded")
        Membership.objects.filter(pk=agent.pk).update(availability="online", capacity=100)
    for name, availability in (("Ana", "online"), ("Oli", "offline")):
        agent_named(tenant, name, team=routing_desk["finance_team"], availability=availability, capacity=100)
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    checks = []
    why_not = candidates._why_not
    monkeypatch.setattr(
        candidates, "_why_not", lambda member, *args: checks.append(member.pk) or why_not(member, *args)
    )
    contact = routing_desk["contact"]
    # when a batch of 6 new tickets is routed
    with tenant_context(tenant):
        made = [
            services.create_ticket(actor=contact, contact=contact, subject=f"Invoice {n}", body="x") for n in range(6)
        ]
        drain()
        owners = list(Ticket.objects.filter(pk__in=[t.pk for t in made]).values_list("assignee_id", flat=True))
    # then each member of the pool was checked once, and the tickets spread over the two online agents
    assert len(checks) == len(set(checks)) == 3
    assert len(set(owners)) == 2 and None not in owners


# --- the same tickets, one by one and together ---------------------------------------------------------------------


def _desk(tenant, prefix: str):
    """Two teams, a round-robin Finance queue and a least-loaded default queue, agents of several capacities (one
    offline), categories, an escalation tier, and rules that use every field update_tickets writes, tags, notes and
    the strategies."""
    with tenant_context(tenant):
        frontline, finance_team = Team.objects.create(name="Frontline"), Team.objects.create(name="Finance team")
        Queue.objects.create(name="General", team=frontline, is_default=True, assignment_strategy="least_loaded")
        Queue.objects.create(name="Finance", team=finance_team, assignment_strategy="round_robin")
        billing = Category.objects.create(name="Billing")
        Category.objects.create(name="Refunds", parent=billing)
        EscalationTier.objects.create(level=1, name="Second line")
    for name, capacity, availability in (("Ana", 2, "online"), ("Ben", 3, "online"), ("Cy", 9, "offline")):
        member = agent_named(tenant, f"{prefix}{name}", team=frontline, capacity=capacity, availability=availability)
        with tenant_context(tenant):
            TeamMembership.objects.create(team=finance_team, membership=member)
    with tenant_context(tenant):
        rules = [
            {"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance"), act("set_priority", "High"),
                         act("set_category", "Billing / Refunds")]},
            {"name": "Outage", "conditions": [cond("text", "contains_any", "outage")],
             "actions": [act("set_priority", "Urgent"), act("set_escalation", "1")]},
            {"name": "VIP", "conditions": [cond("text", "contains_any", "vip")], "actions": [act("add_tags", "vip")]},
            {"name": "Note", "conditions": [cond("text", "contains_any", "ledger")],
             "actions": [act("add_note", "Check the ledger")]},
        ]  # fmt: skip
        for rule in rules:
            routing_services.create_rule(actor=SETUP, **rule)
        routing_services.publish_rules(actor=SETUP)
    return ContactFactory(tenant=tenant, email=f"{prefix}pat@customer.example", name="Pat")


SUBJECTS = [
    "Invoice 1",
    "Outage now",
    "VIP here",
    "Invoice for a vip",
    "Hello",
    "Invoice 2 and the ledger",
    "Outage on the invoice page",
    "Outage for a vip",
    "Invoice 3",
    "Hello again",
    "Invoice 4",
]


def _routed(tenant, contact) -> list[dict]:
    """Open the tickets, drain the feed once, and describe what routing did to each in tenant-neutral terms."""
    with tenant_context(tenant):
        with transaction.atomic():  # one transaction: the feed hands the tickets over in one batch
            made = [services.create_ticket(actor=contact, contact=contact, subject=s, body="x") for s in SUBJECTS]
        drain()
        names = {
            **{("queue", q.pk): q.name for q in Queue.objects.all()},
            **{("team", t.pk): t.name for t in Team.objects.all()},
            **{("category", c.pk): c.name for c in Category.objects.all()},
            **{("subcategory", c.pk): c.name for c in Category.objects.all()},
            **{("tags", t.pk): t.name for t in Tag.objects.all()},
            **{("assignee", m.pk): m.user.full_name[1:] for m in Membership.objects.select_related("user")},
        }

        def value(field: str, raw: str) -> str:
            if not raw.isdigit():
                return raw
            return names.get((field, int(raw)), raw) if field else "an id"  # a note's message

        described = []
        for ticket in made:
            ticket = Ticket.objects.select_related("queue", "assignee__user").get(pk=ticket.pk)
            events = [
                (e.kind, e.field, value(e.field, e.old_value), value(e.field, e.new_value),
                 re.sub(r"#\d+", "#", e.reason), e.actor_automation or "person")
                for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")
            ]  # fmt: skip
            entries = [
                list(TicketEvent.objects.filter(pk__in=e.event_ids).order_by("id").values_list("kind", flat=True))
                for e in FeedEntry.objects.filter(ticket=ticket).order_by("id")
            ]
            decisions = [
                ([m.name for m in matched_rules(d)], [a["action"] for a in d.applied],
                 [(s["action"], s["why"]) for s in d.skipped], d.assign, d.entry_id is not None)
                for d in RoutingDecision.objects.filter(ticket=ticket).order_by("id")
            ]  # fmt: skip
            assignments = [
                (a.strategy, a.outcome, names.get(("assignee", a.chosen_id)),
                 {k: names.get(("assignee", v)) if k == "after_id" else v for k, v in (a.details or {}).items()},
                 [(names.get(("assignee", c["id"])), c.get("load"), c["capacity"], c.get("skipped", ""))
                  for c in a.candidates],
                 a.entry_id is not None, a.rule_decision_id is not None)
                for a in AssignmentDecision.objects.filter(ticket=ticket).order_by("id")
            ]  # fmt: skip
            notifications = list(
                Notification.objects.filter(ticket=ticket).values_list("kind", "recipient__user__full_name")
            )
            described.append(
                {
                    "subject": ticket.subject,
                    "fields": (
                        ticket.queue.name,
                        ticket.priority,
                        names.get(("category", ticket.category_id)),
                        names.get(("category", ticket.subcategory_id)),
                        ticket.escalation_level,
                        ticket.assignee.user.full_name[1:] if ticket.assignee else None,
                    ),
                    "tags": sorted(ticket.tags.values_list("name", flat=True)),
                    "events": events,
                    "entries": entries,
                    "decisions": decisions,
                    "assignments": assignments,
                    "notifications": [(kind, name[1:]) for kind, name in notifications],
                    "undone": FeedEntry.objects.filter(ticket=ticket, done_at__isnull=True).count(),
                }
            )
        mails = sum(
            len(kwargs.get("notification_ids", [kwargs.get("notification_id")]))
            for kwargs in PendingTask.objects.filter(
                task_name__startswith="tickets.send_notification_email"
            ).values_list("kwargs", flat=True)
        )
        drains = PendingTask.objects.filter(task_name="tickets.drain_feed").count()
    return [*described, {"mails": mails, "drains": drains}]


def _refusing_finance(edit):
    def refusing(ticket, *, queue, **kwargs):
        if queue.name == "Finance":
            raise ServiceError("Finance takes no new tickets.")
        return edit(ticket, queue=queue, **kwargs)

    return refusing


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("refuse", [False, True], ids=["applied", "queue-refused"])
def test_route_together_does_exactly_what_routing_one_by_one_does(tenant, other_tenant, monkeypatch, refuse):
    # given two tenants set up alike, with the same new tickets (and, the second time, moves to Finance refused)
    one_by_one_contact = _desk(other_tenant, "o")
    together_contact = _desk(tenant, "t")
    if refuse:
        monkeypatch.setattr(workflow, "queue_edit", _refusing_finance(workflow.queue_edit))
        monkeypatch.setattr(updates, "queue_edit", _refusing_finance(updates.queue_edit))
    # when one tenant's batch is routed ticket by ticket (route_ticket, as before) and the other's together
    with monkeypatch.context() as patched:
        patched.setattr(BatchReads, "defer", lambda self, change: False)
        one_by_one = _routed(other_tenant, one_by_one_contact)
    with routing_statements() as statements:
        together = _routed(tenant, together_contact)
    # then every ticket has the same fields, tags, audit events, feed entries, decisions and notifications
    for alone, batched in zip(one_by_one, together, strict=True):
        for key, value in alone.items():
            assert batched[key] == value, f"{alone.get('subject')}: {key}\n{batched[key]}\n{value}"
    # and the batch was routed together, with waits, tags and (the second time) refusals among its outcomes
    decision_inserts = [sql for sql in statements if sql.startswith('INSERT INTO "routing_routingdecision"')]
    assert len(decision_inserts) < len(SUBJECTS) / 3
    tickets = together[:-1]
    assert any(t["assignments"] and t["assignments"][0][1] == "waiting" for t in tickets)
    assert any(t["tags"] for t in tickets)
    refused = [skip for t in tickets for d in t["decisions"] for skip in d[2] if skip[1] == "refused"]
    assert bool(refused) == refuse
    # and each tenant saw only its own tickets
    with tenant_context(tenant):
        assert Ticket.objects.count() == len(SUBJECTS)
