"""tickets.custom_fields.registry: conditions for routing and groupings for reports, the same in SQL and in memory."""

from __future__ import annotations

import pytest

from tenancy.context import tenant_context
from tickets.custom_fields.registry import FieldCondition, FieldConditionError, field_condition, field_grouping
from tickets.models import Ticket
from tickets.services import custom_fields as field_services
from tickets.services import update_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(tenant, admin, agent, new_ticket):
    with tenant_context(tenant):
        field_services.create_custom_field(
            actor=admin,
            key="product",
            label="Product",
            type="choice",
            choices=[("cloud", "Cloud"), ("onprem", "On-Prem")],
        )
        field_services.create_custom_field(
            actor=admin,
            key="platforms",
            label="Platforms",
            type="multi_choice",
            choices=[("ios", "iOS"), ("web", "Web")],
        )
        field_services.create_custom_field(actor=admin, key="seats", label="Seats", type="number")
        field_services.create_custom_field(actor=admin, key="vip", label="VIP", type="checkbox")
    values = [
        {"product": "cloud", "platforms": ["ios", "web"], "seats": 10, "vip": True},
        {"product": "onprem", "platforms": ["web"], "seats": 50},
        {"seats": 5},
    ]
    made = []
    for value in values:
        ticket = new_ticket()
        with tenant_context(tenant):
            made.append(update_ticket(ticket=ticket, changes={"custom_fields": value}, actor=agent))
    return made


@pytest.mark.parametrize(
    ("key", "op", "value", "expected"),
    [
        ("product", "is", "cloud", [0]),
        ("product", "is_not", "cloud", [1, 2]),
        ("product", "in", ["cloud", "onprem"], [0, 1]),
        ("product", "is_empty", None, [2]),
        ("platforms", "includes", "web", [0, 1]),
        ("platforms", "includes_any", ["ios"], [0]),
        ("seats", "gt", 10, [1]),
        ("seats", "gte", "10", [0, 1]),
        ("seats", "lt", 10, [2]),
        ("vip", "is_checked", None, [0]),
        ("vip", "is_not_checked", None, [1, 2]),
    ],
)
def test_field_condition_matches_the_same_tickets_in_sql_and_in_memory(tenant, tickets, key, op, value, expected):
    with tenant_context(tenant):
        # given a condition built from the registry
        condition = field_condition(key, op, value)
        # when it is evaluated by the database and on each loaded ticket
        in_sql = set(Ticket.objects.filter(condition.q()).values_list("pk", flat=True))
        in_memory = {t.pk for t in tickets if condition.matches(t)}
        # then both pick exactly the expected tickets, and the stored form loads back the same
        assert in_sql == in_memory == {tickets[i].pk for i in expected}
        assert FieldCondition.from_dict(condition.as_dict()) == condition


def test_field_condition_refuses_unknown_fields_wrong_operators_and_bad_values(tenant, tickets):
    with tenant_context(tenant):
        for args, message in [
            (("nope", "is", "x"), "no custom field"),
            (("product", "gt", "cloud"), "operators"),
            (("product", "is", "mars"), "not one of the choices"),
            (("seats", "gte", "lots"), "not a number"),
            (("product", "in", "cloud"), "list"),
        ]:
            with pytest.raises(FieldConditionError, match=message):
                field_condition(*args)
        assert field_condition("product", "in", ["cloud"]).describe() == "Product is one of Cloud"


def test_field_grouping_counts_each_choice_in_one_query(tenant, tickets, django_assert_num_queries):
    with tenant_context(tenant):
        grouping = field_grouping("platforms")
        field_grouping("product")  # the definitions are cached: counting below is the only query
        with django_assert_num_queries(1):
            counts = grouping.counts(Ticket.objects.all())
        assert counts == [("ios", "iOS", 1), ("web", "Web", 2), (None, "No value", 1)]
        assert field_grouping("product").counts(Ticket.objects.all()) == [
            ("cloud", "Cloud", 1), ("onprem", "On-Prem", 1), (None, "No value", 1),
        ]  # fmt: skip
        assert grouping.bucket_of(tickets[0]) == ["ios", "web"]
        with pytest.raises(FieldConditionError, match="group by"):
            field_grouping("seats")


def test_the_database_check_confirms_field_filters_can_use_their_index_under_rls():
    from tenancy.checks import check_json_containment_is_leakproof

    # given the test cluster, provisioned like production (tests/harness.py, config/docker/postgres-init.sh)
    # when the database checks run
    # then JSON containment is LEAKPROOF, so no warning
    assert check_json_containment_is_leakproof(databases=["default"]) == []
