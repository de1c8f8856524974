"""The rule engine through the change feed: each action, ordering and stop, explicit choices kept, no loops,
idempotence under a redelivered entry, skipped targets recorded."""

from __future__ import annotations

import pytest

from routing.feed import FEED_SUBSCRIBER, handle_change
from routing.models import RoutingDecision, TicketSkillRequirement
from routing.signals import rules_applied
from tenancy.context import tenant_context
from tenancy.models import Skill
from tests.routing.conftest import act, cond, rule_names
from tickets import services
from tickets.feed.dispatch import changes_of, drain
from tickets.models import FeedEntry, FeedReceipt, Message, Notification, Priority, TicketEvent


def test_engine_moves_a_billing_ticket_to_finance(tenant, routing_desk, publish, open_routed):
    # given a published rule: billing words -> Finance, high priority
    publish({"name": "Billing words", "conditions": [cond("text", "contains_any", "invoice, refund")],
             "actions": [act("set_queue", "Finance"), act("set_priority", "High")]})  # fmt: skip
    # when a customer writes about an invoice
    ticket, decision = open_routed(subject="Wrong INVOICE amount")
    # then the ticket is in Finance with high priority, by routing, and the decision names the rule
    assert ticket.queue_id == routing_desk["finance"].pk
    assert ticket.team_id == routing_desk["finance"].team_id
    assert ticket.priority == Priority.HIGH
    assert rule_names(decision) == ["Billing words"]
    assert {a["action"] for a in decision.applied} == {"set_queue", "set_priority"}
    with tenant_context(tenant):
        moved = TicketEvent.objects.get(ticket=ticket, kind="queue_changed")
    assert moved.actor_automation == "routing"
    assert moved.reason == f"routing decision #{decision.pk}"


def test_engine_leaves_a_ticket_no_rule_matches(tenant, routing_desk, publish, open_routed):
    # given a rule about invoices
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    # when a ticket about something else arrives
    ticket, decision = open_routed(subject="Printer jam")
    # then it stays in the default queue, and the decision says nothing matched
    assert ticket.queue_id == routing_desk["queue"].pk
    assert decision.matched == [] and decision.applied == []
    assert decision.assign == "strategy"


def test_engine_stops_after_a_rule_that_says_stop(tenant, routing_desk, publish, open_routed):
    # given two matching rules, the first says stop
    publish(
        {"name": "VIP first", "conditions": [cond("tier", "is", "VIP")], "actions": [act("set_queue", "Senior")],
         "stop_processing": True},
        {"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
         "actions": [act("set_queue", "Finance")]},
    )  # fmt: skip
    # when a VIP writes about an invoice
    ticket, decision = open_routed(subject="Invoice", contact=routing_desk["vip"])
    # then only the first rule ran
    assert ticket.queue_id == routing_desk["senior"].pk
    assert rule_names(decision) == ["VIP first"]


def test_engine_later_rule_wins_without_stop(tenant, routing_desk, publish, open_routed):
    # given two matching rules in order, no stop
    publish(
        {"name": "VIP", "conditions": [cond("tier", "is", "vip")], "actions": [act("set_queue", "Senior")]},
        {"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
         "actions": [act("set_queue", "Finance")]},
    )  # fmt: skip
    # when both match
    ticket, decision = open_routed(subject="Invoice", contact=routing_desk["vip"])
    # then the later one's queue applies, and both are recorded as matched
    assert ticket.queue_id == routing_desk["finance"].pk
    assert rule_names(decision) == ["VIP", "Billing"]


def test_engine_keeps_a_queue_an_agent_chose_at_creation(tenant, routing_desk, publish, open_routed, agent):
    # given a rule moving invoices to Finance
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance"), act("set_priority", "Urgent")]})  # fmt: skip
    # when an agent logs a call and files it in Senior themselves
    ticket, decision = open_routed(subject="Invoice question", actor=agent, queue=routing_desk["senior"])
    # then the queue stays; the other action applies; the skip says why
    assert ticket.queue_id == routing_desk["senior"].pk
    assert ticket.priority == Priority.URGENT
    assert [(s["action"], s["why"]) for s in decision.skipped] == [("set_queue", "explicit")]


def test_engine_follow_up_keeps_its_originals_queue(tenant, routing_desk, publish, open_routed):
    # given a ticket routed to Finance, then closed
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    original, _ = open_routed(subject="Invoice wrong")
    with tenant_context(tenant):
        services.change_status(ticket=original, status="closed", actor=routing_desk["finance"].team.members.first())
        contact = routing_desk["contact"]
        # when the customer replies to the closed ticket without any billing word
        services.reply(ticket=original, actor=contact, body="Thanks, one more thing")
        drain()
        follow_up = original.links_in.get(kind="follow_up").source
    # then the follow-up is in the original's queue, not the default
    assert follow_up.queue_id == routing_desk["finance"].pk
    assert follow_up.pk != original.pk


@pytest.mark.django_db(transaction=True)
def test_engine_does_not_route_its_own_change_again(tenant, routing_desk, publish):
    # given a rule that also runs on updates and would match its own result
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_priority", "High"), act("add_tags", "billing")], "on_update": True})  # fmt: skip
    # when a ticket is opened live and routed (routing's change is a feed entry of its own)
    with tenant_context(tenant):
        contact = routing_desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Invoice", body="x")
        drain()
        # then routing decided once: its own entry was done without being handed back to it
        assert RoutingDecision.objects.filter(ticket=ticket).count() == 1
        entries = list(FeedEntry.objects.filter(ticket=ticket).order_by("id"))
        assert len(entries) == 2
        taken = set(FeedReceipt.objects.filter(subscriber=FEED_SUBSCRIBER).values_list("entry_id", flat=True))
        assert taken == {entries[0].pk}
        assert entries[1].done_at is not None


@pytest.mark.django_db(transaction=True)
def test_engine_routes_an_update_when_a_rule_says_so(tenant, routing_desk, publish, open_routed, agent):
    # given a rule for updates: tagged "refund" -> Finance
    publish({"name": "Refund tag", "conditions": [cond("tags", "includes_any", "refund")],
             "actions": [act("set_queue", "Finance")], "on_update": True})  # fmt: skip
    ticket, _ = open_routed(subject="Hello")
    assert ticket.queue_id == routing_desk["queue"].pk
    # when an agent tags it
    with tenant_context(tenant):
        services.update_ticket(ticket=ticket, changes={"add_tags": ["refund"]}, actor=agent)
        drain()
        ticket.refresh_from_db()
        # then routing moved it on the update
        assert ticket.queue_id == routing_desk["finance"].pk
        assert RoutingDecision.objects.filter(ticket=ticket, trigger="updated").count() == 1


def test_engine_redelivered_entry_changes_nothing(tenant, routing_desk, publish, open_routed):
    # given a routed ticket with a note action
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("add_note", "Check the invoice in the ledger")]})  # fmt: skip
    ticket, _decision = open_routed(subject="Invoice")
    with tenant_context(tenant):
        entry = FeedEntry.objects.filter(ticket=ticket).order_by("id").first()
        notes = Message.objects.filter(ticket=ticket, kind="note").count()
        # when the same entry is handed to the subscriber again (a retry)
        (change,) = changes_of([entry])
        again = handle_change(change)
        # then nothing more happened
        assert again is None
        assert RoutingDecision.objects.filter(ticket=ticket).count() == 1
        assert Message.objects.filter(ticket=ticket, kind="note").count() == notes == 1


def test_engine_skips_an_inactive_agent_and_records_it(tenant, routing_desk, publish, open_routed, agent):
    # given a rule assigning to an agent who is then deactivated
    publish({"name": "To agent", "conditions": [], "actions": [act("assign_agent", agent.user.email)]})
    with tenant_context(tenant):
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    # when a ticket arrives
    ticket, decision = open_routed(subject="Anything")
    # then nobody is assigned and the skip is recorded
    assert ticket.assignee_id is None
    assert [(s["action"], s["why"]) for s in decision.skipped] == [("assign_agent", "inactive")]


def test_engine_each_action_applies(tenant, routing_desk, publish, open_routed, agent, admin):
    # given a rule with every kind of action
    with tenant_context(tenant):
        Skill.objects.create(name="German", key="german")
    publish({"name": "Everything", "conditions": [cond("subject", "contains_all", "printer, broken")], "actions": [
        act("set_category", "Billing / Refunds"), act("set_priority", "urgent"), act("set_queue", "Finance"),
        act("add_tags", "hw, urgent-fix"), act("require_skills", "German"), act("set_escalation", "Second line"),
        act("assign_agent", "agent@acme.example"), act("add_note", "Routed: broken printer"),
        act("notify", "Finance team"),
    ]})  # fmt: skip
    received = []
    rules_applied.connect(lambda **kw: received.append(kw["assign"]), weak=False, dispatch_uid="t-each")
    try:
        # when a matching ticket arrives
        ticket, decision = open_routed(subject="Printer broken again")
    finally:
        rules_applied.disconnect(dispatch_uid="t-each")
    # then every action took effect
    with tenant_context(tenant):
        assert (ticket.category_id, ticket.subcategory_id) == (routing_desk["billing"].pk, routing_desk["refunds"].pk)
        assert ticket.priority == Priority.URGENT and ticket.queue_id == routing_desk["finance"].pk
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["hw", "urgent-fix"]
        assert TicketSkillRequirement.objects.filter(ticket=ticket, skill__name="German").exists()
        assert ticket.escalation_level == 1 and ticket.assignee_id == agent.pk
        note = Message.objects.get(ticket=ticket, kind="note")
        assert note.body_text.strip() == "Routed: broken printer" and note.author_membership_id is None
        assert Notification.objects.filter(ticket=ticket, kind="routed", recipient=agent).exists()
    assert decision.skipped == [] and decision.assign == "none"
    assert received == ["none"]


@pytest.mark.django_db(transaction=True)
def test_engine_routes_live_on_commit(tenant, routing_desk, publish):
    # given a published rule
    publish({"name": "Billing", "conditions": [cond("category", "is", "Billing")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    # when a ticket is opened for real (the drain task runs on commit)
    with tenant_context(tenant):
        contact = routing_desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Bill", body="x",
                                        category=routing_desk["billing"])  # fmt: skip
        ticket.refresh_from_db()
        # then it was routed
        assert ticket.queue_id == routing_desk["finance"].pk
        assert RoutingDecision.objects.filter(ticket=ticket).count() == 1
