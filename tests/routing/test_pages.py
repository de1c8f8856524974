"""The rule editor and its tools in the browser's terms: list in words, add and edit with validation, reorder,
disable, delete, publish, test against a ticket, simulate, re-run; the ticket's routing panel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from routing import services as routing_services
from routing.models import RoutingDecision, Rule, RuleSetVersion
from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client
from tests.routing.conftest import SETUP, act, cond
from tickets.models import Queue


def _form(name="VIP billing", conditions=(), actions=(), **extra) -> dict:
    data = {"name": name, "match": "all", "is_active": "on", **extra}
    for i, (field, op, text) in enumerate(conditions):
        data |= {f"cond_{i}_field": field, f"cond_{i}_op": op, f"cond_{i}_text": text}
    for i, (action, text) in enumerate(actions):
        data |= {f"act_{i}_action": action, f"act_{i}_text": text}
    return data


def test_editor_adds_a_rule_and_lists_it_in_words(tenant, admin, routing_desk):
    # given an admin on the rules page
    client = host_client(tenant, admin)
    # when they add a rule
    response = client.post(reverse("desk:routing_rules"), _form(
        conditions=[("tier", "is", "VIP"), ("category", "is", "Billing")],
        actions=[("set_queue", "Finance"), ("set_priority", "High")],
    ))  # fmt: skip
    # then it is in the draft and the list reads it in words
    assert response.status_code == 302
    page = client.get(reverse("desk:routing_rules")).content.decode()
    assert "contact tier is VIP and category is Billing" in page
    assert "queue Finance, priority high" in page
    assert "Draft has unpublished changes" in page


@pytest.mark.parametrize(
    ("conditions", "actions", "message"),
    [
        ([("nonsense", "is", "x")], [("set_priority", "High")], "Select a valid choice"),
        ([("tier", "is", "VIP")], [], "needs at least one action"),
        ([("subject", "matches", "(a)\\1")], [("set_priority", "High")], "is not valid"),
        ([("subject", "matches", "(?=lookahead)")], [("set_priority", "High")], "is not valid"),
        ([("tier", "is", "Platinum")], [("set_priority", "High")], "is not a contact tier"),
        ([], [("set_queue", "Nowhere")], "There is no queue “Nowhere”"),
        ([("tags", "is", "x")], [("set_priority", "High")], "can be tested with"),
    ],
)
def test_editor_refuses_a_bad_rule_with_a_clear_message(tenant, admin, routing_desk, conditions, actions, message):
    # given an admin
    client = host_client(tenant, admin)
    # when they save a rule that cannot work
    response = client.post(reverse("desk:routing_rules"), _form(conditions=conditions, actions=actions))
    # then it is refused with a message, and nothing is stored
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(tenant):
        assert not Rule.objects.exists()


def test_editor_escapes_a_hostile_rule_name(tenant, admin, routing_desk):
    # given a rule named with markup
    client = host_client(tenant, admin)
    client.post(
        reverse("desk:routing_rules"), _form(name="<script>alert(1)</script>", actions=[("set_priority", "Low")])
    )
    # when the list shows it
    page = client.get(reverse("desk:routing_rules")).content.decode()
    # then the name is text, not markup
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_editor_reorders_disables_and_deletes(tenant, admin, routing_desk):
    # given two rules
    with tenant_context(tenant):
        first = routing_services.create_rule(
            actor=SETUP, name="First", conditions=[], actions=[act("set_priority", "Low")]
        )
        second = routing_services.create_rule(
            actor=SETUP, name="Second", conditions=[], actions=[act("set_priority", "High")]
        )
    client = host_client(tenant, admin)
    # when the second moves up, the first is disabled and then deleted
    client.post(reverse("desk:routing_rule_move", args=[second.pk, "up"]))
    client.post(reverse("desk:routing_rule_toggle", args=[first.pk]))
    with tenant_context(tenant):
        assert list(Rule.objects.order_by("position").values_list("name", "is_active")) == [
            ("Second", True), ("First", False),
        ]  # fmt: skip
    client.post(reverse("desk:routing_rule_delete", args=[first.pk]))
    # then only the second is left
    with tenant_context(tenant):
        assert list(Rule.objects.values_list("name", flat=True)) == ["Second"]


def test_editor_edit_shows_the_stored_values_back(tenant, admin, routing_desk):
    with tenant_context(tenant):
        rule = routing_services.create_rule(
            actor=SETUP, name="Billing", conditions=[cond("text", "contains_any", "invoice, refund")],
            actions=[act("set_queue", "Finance")],
        )  # fmt: skip
    page = host_client(tenant, admin).get(reverse("desk:routing_rule", args=[rule.pk])).content.decode()
    assert 'value="invoice, refund"' in page and 'value="Finance"' in page


def test_publish_snapshots_the_draft_as_a_version_and_is_audited(tenant, admin, routing_desk):
    # given a draft rule
    with tenant_context(tenant):
        routing_services.create_rule(actor=SETUP, name="Billing", conditions=[], actions=[act("set_queue", "Finance")])
    client = host_client(tenant, admin)
    # when the admin publishes, then tries again with nothing new
    client.post(reverse("desk:routing_publish"))
    response = client.post(reverse("desk:routing_publish"), follow=True)
    # then there is one version holding the rule, and the second publish was refused
    with tenant_context(tenant):
        version = RuleSetVersion.objects.get()
        from tenancy.models import ConfigChange

        assert ConfigChange.objects.filter(area="routing.rules", target_type="routing.rulesetversion").count() == 1
    assert [rule["name"] for rule in version.rules] == ["Billing"]
    assert "nothing to publish" in response.content.decode()


def test_test_page_shows_what_the_draft_would_do_and_changes_nothing(tenant, admin, routing_desk, new_ticket):
    # given a draft rule (not published) and a ticket about an invoice
    ticket = new_ticket(subject="Invoice twice")
    with tenant_context(tenant):
        routing_services.create_rule(
            actor=SETUP, name="Billing", conditions=[cond("subject", "contains_any", "invoice")],
            actions=[act("set_queue", "Finance")],
        )  # fmt: skip
    # when the admin tests it against the ticket
    page = host_client(tenant, admin).get(reverse("desk:routing_test"), {"ticket": f"ACME-{ticket.number}"})
    # then the page says the rule would match and move it; the ticket is unchanged
    text = page.content.decode()
    assert "Rule “Billing” would match: subject contains “invoice” → queue Finance" in text
    with tenant_context(tenant):
        ticket.refresh_from_db()
        assert ticket.queue_id == routing_desk["queue"].pk
        assert not RoutingDecision.objects.exists()


def test_test_page_unknown_ticket_is_a_form_error(tenant, admin, routing_desk):
    response = host_client(tenant, admin).get(reverse("desk:routing_test"), {"ticket": "ACME-999"})
    assert response.status_code == 400 and "There is no ticket" in response.content.decode()


def test_rules_list_runs_a_fixed_number_of_queries(tenant, admin, routing_desk):
    # given a few rules naming queues, categories and organisations
    client = host_client(tenant, admin)

    def add(n):
        with tenant_context(tenant):
            for _ in range(n):
                routing_services.create_rule(
                    actor=SETUP, name=f"Rule {Rule.objects.count()}",
                    conditions=[cond("category", "is", "Billing"), cond("organisation", "is", "Initech")],
                    actions=[act("set_queue", "Finance"), act("assign_agent", "agent@acme.example")],
                )  # fmt: skip

    add(2)
    url = reverse("desk:routing_rules")
    before = count_queries(client, url)
    # when ten times as many rules are listed
    add(18)
    # then the page runs the same number of queries
    assert count_queries(client, url) == before


def test_ticket_panel_explains_the_decision_in_words(tenant, admin, agent, routing_desk, publish, open_routed):
    # given a ticket routed by a VIP billing rule
    publish({"name": "VIP billing", "conditions": [cond("tier", "is", "VIP"), cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance"), act("set_priority", "High")]})  # fmt: skip
    ticket, _ = open_routed(subject="Invoice", contact=routing_desk["vip"])
    # when an agent opens the ticket's routing panel
    page = host_client(tenant, agent).get(reverse("desk:routing_ticket_panel", args=[ticket.number])).content.decode()
    # then it reads the reason
    assert ("Rule “VIP billing” matched: contact tier is VIP and subject or message contains “invoice” → "
            "queue Finance, priority high") in page  # fmt: skip
    # and the ticket page loads the panel
    ticket_page = host_client(tenant, agent).get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert reverse("desk:routing_ticket_panel", args=[ticket.number]) in ticket_page


def test_a_decision_keeps_rule_ids_and_held_positions_and_the_panel_names_them(
    tenant, agent, routing_desk, publish, open_routed
):
    # given an "any" rule of three conditions, of which a VIP's ticket about an invoice meets the first and third
    publish({"name": "Money or VIP", "match": "any",
             "conditions": [cond("tier", "is", "VIP"), cond("text", "contains_any", "refund"),
                            cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    ticket, decision = open_routed(subject="Invoice", contact=routing_desk["vip"])
    # then the decision keeps the rule's id and the positions that held, not its name or conditions
    assert decision.matched == [{"rule": decision.version.rules[0]["id"], "held": [0, 2]}]
    # and the panel names the rule and the two conditions from the published version
    page = host_client(tenant, agent).get(reverse("desk:routing_ticket_panel", args=[ticket.number])).content.decode()
    assert ("Rule “Money or VIP” matched: contact tier is VIP or subject or message contains “invoice” → "
            "queue Finance") in page  # fmt: skip


def test_a_decision_written_with_its_own_copy_of_the_rule_still_reads(
    tenant, agent, routing_desk, publish, open_routed
):
    # given a decision stored the way decisions were before 2026-12-07: the rule's name and held conditions copied
    publish({"name": "Billing", "conditions": [cond("text", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    ticket, decision = open_routed(subject="Invoice")
    with tenant_context(tenant):
        RoutingDecision.objects.filter(pk=decision.pk).update(
            matched=[{"rule": decision.matched[0]["rule"], "name": "Old billing", "match": "all",
                      "conditions": [{"field": "subject", "op": "contains_any", "value": ["bill"], "negate": False}]}]
        )  # fmt: skip
    # when the panel is opened
    page = host_client(tenant, agent).get(reverse("desk:routing_ticket_panel", args=[ticket.number])).content.decode()
    # then it reads the decision's own copy
    assert "Rule “Old billing” matched: subject contains “bill” → queue Finance" in page


def test_ticket_panel_of_another_tenants_ticket_is_a_404(tenant, other_tenant, other_agent, routing_desk, open_routed):
    ticket, _ = open_routed(subject="Hello")
    response = host_client(other_tenant, other_agent).get(reverse("desk:routing_ticket_panel", args=[ticket.number]))
    assert response.status_code == 404


def test_rerun_routes_chosen_tickets_again(tenant, admin, routing_desk, publish, new_ticket):
    # given a ticket opened before any rule existed, then a published rule
    ticket = new_ticket(subject="Invoice")
    publish({"name": "Billing", "conditions": [cond("subject", "contains_any", "invoice")],
             "actions": [act("set_queue", "Finance")]})  # fmt: skip
    # when the admin re-runs routing on it
    response = host_client(tenant, admin).post(reverse("desk:routing_rerun"), {"tickets": f"ACME-{ticket.number}"})
    # then it moved and the decision says who asked
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket.refresh_from_db()
        decision = RoutingDecision.objects.get(ticket=ticket, trigger="rerun")
    assert ticket.queue_id == routing_desk["finance"].pk and decision.requested_by_id == admin.pk


def test_rerun_refuses_unknown_references(tenant, admin, routing_desk):
    response = host_client(tenant, admin).post(reverse("desk:routing_rerun"), {"tickets": "ACME-404"})
    assert response.status_code == 400 and "No ticket ACME-404" in response.content.decode()


def test_editor_is_for_admins_only(tenant, agent, supervisor, routing_desk):
    for member in (agent, supervisor):
        assert host_client(tenant, member).get(reverse("desk:routing_rules")).status_code in (403, 404)


def test_deleting_a_queue_a_rule_uses_is_refused_naming_the_rule(tenant, admin, routing_desk):
    # given a rule moving tickets to Finance (in the draft, and published)
    with tenant_context(tenant):
        routing_services.create_rule(actor=SETUP, name="Billing to Finance", conditions=[],
                                     actions=[act("set_queue", "Finance")])  # fmt: skip
        from tenancy.usage import InUse
        from tickets.services import queues as queue_services

        # when the admin deletes the queue
        with pytest.raises(InUse, match="routing rule “Billing to Finance”"):
            queue_services.delete_queue(actor=admin, queue=routing_desk["finance"])
        # then it is still there
        assert Queue.objects.filter(pk=routing_desk["finance"].pk).exists()


def test_deleting_a_category_or_tag_a_rule_tests_is_refused(tenant, admin, routing_desk):
    with tenant_context(tenant):
        routing_services.create_rule(
            actor=SETUP, name="Hardware",
            conditions=[cond("category", "is", "Hardware"), cond("tags", "includes_any", "printer")],
            actions=[act("set_priority", "High")],
        )  # fmt: skip
        from tenancy.usage import find_uses
        from tests.tickets.factories import TagFactory

        tag = TagFactory(tenant=tenant, name="printer")
        assert find_uses(routing_desk["hardware"]) == ["routing rule “Hardware”"]
        assert find_uses(tag) == ["routing rule “Hardware”"]
        assert find_uses(routing_desk["billing"]) == []
