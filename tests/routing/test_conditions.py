"""Each condition in the registry on known facts, negation, all/any, RE2 patterns (no pattern can run away), and
"inside business hours" registered by sla."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from routing.compiler import compile_rule
from routing.conditions import REGISTRY, Context, Facts, RuleError, clean_condition, compile_condition
from routing.names import Names
from tenancy.context import tenant_context
from tests.routing.conftest import cond

BASE = Facts(
    ticket_id=1, channel="email", received_address="billing@acme.example", category_id=None, subcategory_id=None,
    priority=2, queue_id=None, subject="Invoice 2024-11 is wrong", body="We were charged twice for November.",
    email="pat@sub.customer.example", tier="standard", organisation_id=None, tags=frozenset({"refund"}),
    custom_fields={}, created_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
)  # fmt: skip


def holds(condition: dict, facts: Facts = BASE) -> bool:
    with_names = clean_condition(condition, Names())
    return compile_condition(with_names)(facts, Context())


@pytest.mark.parametrize(
    ("condition", "facts_change", "expected"),
    [
        (cond("channel", "is", "Email, web"), {}, True),
        (cond("channel", "is", "phone"), {}, False),
        (cond("received_address", "is", "Billing@acme.example"), {}, True),
        (cond("received_address", "is_empty"), {"received_address": ""}, True),
        (cond("priority", "is", "normal"), {}, True),
        (cond("priority", "at_least", "High"), {"priority": 4}, True),
        (cond("priority", "at_least", "High"), {}, False),
        (cond("subject", "contains_any", "INVOICE, receipt"), {}, True),
        (cond("subject", "contains_all", "invoice, refund"), {}, False),
        (cond("body", "contains_all", "charged, twice"), {}, True),
        (cond("text", "contains_any", "november"), {}, True),
        (cond("subject", "matches", r"invoice \d{4}-\d{2}"), {}, True),
        (cond("body", "matches", r"^refund"), {}, False),
        (cond("requester_email", "is", "PAT@sub.customer.example"), {}, True),
        (cond("requester_domain", "is", "customer.example"), {}, True),
        (cond("requester_domain", "is", "@other.example"), {}, False),
        (cond("tier", "is", "VIP"), {"tier": "vip"}, True),
        (cond("tier", "is", "VIP"), {}, False),
        (cond("tags", "includes_any", "refund, vip"), {}, True),
        (cond("tags", "includes_all", "refund, vip"), {}, False),
        (cond("tags", "is_empty"), {"tags": frozenset()}, True),
        (cond("follow_up", "yes"), {"is_follow_up": True}, True),
        (cond("follow_up", "yes"), {}, False),
        (cond("tier", "is", "VIP", negate=True), {}, True),
    ],
)
def test_condition_holds_on_known_facts(in_tenant, condition, facts_change, expected):
    assert holds(condition, replace(BASE, **facts_change)) is expected


def test_condition_rows_by_name_category_subcategory_organisation(in_tenant):
    # given a category tree and an organisation
    from tests.tickets.factories import CategoryFactory, OrganisationFactory

    billing = CategoryFactory(tenant=in_tenant, name="Billing")
    refunds = CategoryFactory(tenant=in_tenant, name="Refunds", parent=billing)
    org = OrganisationFactory(tenant=in_tenant, name="Initech")
    facts = replace(BASE, category_id=billing.pk, subcategory_id=refunds.pk, organisation_id=org.pk)
    # then each is matched by its name (a subcategory as "Parent / Child")
    assert holds(cond("category", "is", "billing"), facts)
    assert holds(cond("subcategory", "is", "Billing / Refunds"), facts)
    assert holds(cond("organisation", "is", "INITECH"), facts)
    assert holds(cond("organisation", "is_empty"), replace(facts, organisation_id=None))
    # and an unknown name is refused
    with pytest.raises(RuleError, match="There is no category “Bling”"):
        clean_condition(cond("category", "is", "Bling"), Names())


def test_condition_on_a_custom_field(in_tenant):
    # given a choice field "product"
    from tests.tickets.factories import CustomFieldFactory

    CustomFieldFactory(tenant=in_tenant, key="product", label="Product")
    # then a rule can test it, through tickets' registry
    condition = cond("field:product", "is", "cloud")
    assert holds(condition, replace(BASE, custom_fields={"product": "cloud"}))
    assert not holds(condition, replace(BASE, custom_fields={"product": "onprem"}))
    with pytest.raises(RuleError):
        clean_condition(cond("field:product", "gt", "3"), Names())
    with pytest.raises(RuleError, match="no custom field"):
        clean_condition(cond("field:nothing", "is", "x"), Names())


def test_condition_any_and_all_and_empty(in_tenant):
    vip = clean_condition(cond("tier", "is", "VIP"), Names())
    invoice = clean_condition(cond("subject", "contains_any", "invoice"), Names())
    all_rule = compile_rule({"id": 1, "name": "all", "match": "all", "conditions": [vip, invoice], "actions": []})
    any_rule = compile_rule({"id": 2, "name": "any", "match": "any", "conditions": [vip, invoice], "actions": []})
    every = compile_rule({"id": 3, "name": "every", "match": "all", "conditions": [], "actions": []})
    assert all_rule.test(BASE, Context()) is None
    assert any_rule.test(BASE, Context()) == [invoice]
    assert every.test(BASE, Context()) == []


@pytest.mark.parametrize(
    "pattern",
    ["(a)\\1", "(?=x)", "(?<=x)y", "a{1000}{1000}", "x" * 600, "(", ""],
)
def test_condition_refuses_patterns_re2_cannot_run(in_tenant, pattern):
    with pytest.raises(RuleError):
        clean_condition(cond("subject", "matches", pattern), Names())


def test_condition_catastrophic_pattern_runs_in_linear_time(in_tenant):
    # given the classic catastrophic-backtracking pattern and a long near-miss text
    condition = clean_condition(cond("body", "matches", "^(a+)+$"), Names())
    facts = replace(BASE, body="a" * 50_000 + "!")
    # when it is evaluated
    started = time.perf_counter()
    matched = compile_condition(condition)(facts, Context())
    # then it answers at once (a backtracking engine would not finish)
    assert matched is False
    assert time.perf_counter() - started < 0.5


def test_condition_inside_business_hours_is_registered_by_sla(tenant):
    # given acme's default policy on a Mon-Fri 08-18 Berlin calendar
    from sla import services as sla_services
    from tenancy.actors import Automation
    from tests.sla.factories import OFFICE_HOURS, STANDARD_TARGETS

    assert "business_hours" in REGISTRY
    with tenant_context(tenant):
        calendar = sla_services.create_calendar(actor=Automation("t"), name="Office", time_zone="Europe/Berlin",
                                                hours=OFFICE_HOURS)  # fmt: skip
        sla_services.create_policy(actor=Automation("t"), name="Std", calendar=calendar, targets=STANDARD_TARGETS,
                                   is_default=True)  # fmt: skip
        inside = clean_condition(cond("business_hours", "inside"), Names())
        # then Monday 10:00 UTC is inside, Sunday is not
        monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
        sunday = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
        assert compile_condition(inside)(replace(BASE, created_at=monday), Context())
        assert not compile_condition(inside)(replace(BASE, created_at=sunday), Context())


def test_condition_types_are_registered_in_the_order_the_editor_offers_them():
    # given the registry as the apps left it (routing.conditions imports its families in a fixed order, sla after)
    # when the editor lists the types
    keys = list(REGISTRY)
    # then routing's own come family by family, and sla's "business hours" after them
    assert keys == [
        "channel", "tier", "priority", "category", "subcategory", "organisation", "received_address",
        "requester_email", "requester_domain", "subject", "body", "text", "tags", "follow_up", "business_hours",
    ]  # fmt: skip
