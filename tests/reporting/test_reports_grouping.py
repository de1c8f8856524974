"""GROUPING SETS (PostgreSQL) and the one-query-per-set fallback (the demo's SQLite) give the same groups, and the
reports built on them the same figures."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from reporting.reports import agents, grouping, sla_report, speed, volume
from reporting.reports.sql import PercentileCont, Seconds
from tenancy.context import tenant_context
from tests.reporting.helpers import build
from tests.sla.conftest import berlin
from tests.tickets.factories import ContactFactory, QueueFactory
from tickets import clock, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

KEYS = {"queue": "queue", "priority": "priority", "assignee": "assignee", "day": F("created_at__date")}
SETS = {"queue": ("queue",), "pair": ("queue", "assignee"), "day": ("day",), "all": ()}


def _aggregates():
    return {"n": Count("pk"), "median": PercentileCont(Seconds(F("updated_at"), F("created_at")), fraction=0.5)}


def _one_group_by_per_set(queryset) -> dict:
    out = {}
    for name, chosen in SETS.items():
        if not chosen:
            out[name] = {(): queryset.aggregate(**_aggregates())}
            continue
        named = queryset.values(**{f"k_{k}": F(KEYS[k]) if isinstance(KEYS[k], str) else KEYS[k] for k in chosen})
        rows = named.annotate(**_aggregates()).order_by()
        out[name] = {tuple(row.pop(f"k_{k}") for k in chosen): row for row in rows}
    return out


@pytest.fixture
def foreign(other_tenant):
    """A ticket of another tenant, in a queue of its own, created on a day the known desk also has tickets."""
    with tenant_context(other_tenant):
        queue = QueueFactory(tenant=other_tenant, name="Globex queue", is_default=True)
        contact = ContactFactory(tenant=other_tenant, email="x@globex.example")
        with clock.replaying(berlin(2025, 1, 13, 9)):
            services.create_ticket(actor=contact, contact=contact, subject="Globex", body="b", queue=queue)
    return queue


def test_grouping_sets_equal_one_group_by_per_set_in_the_tenant_only(known, foreign):
    # given the known desk and a ticket of another tenant
    with tenant_context(known["tenant"]):
        tickets = Ticket.objects.all()
        # when the tickets are grouped by several sets at once, and by each set on its own
        together = grouping.grouping_sets(tickets, keys=KEYS, sets=SETS, aggregates=_aggregates())
        apart = _one_group_by_per_set(tickets)
    # and the same through the fallback of the demo's SQLite
    with tenant_context(known["tenant"]), pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "supports_grouping_sets", lambda alias: False)
        fallback = grouping.grouping_sets(tickets, keys=KEYS, sets=SETS, aggregates=_aggregates())
    # then the groups and their figures agree, the empty set being the total
    assert together == apart == fallback
    assert together["all"][()]["n"] == 5
    assert sum(row["n"] for row in together["day"].values()) == 5
    # and the other tenant's queue is in no group
    assert foreign.pk not in {queue for (queue,) in together["queue"]}


@pytest.mark.parametrize("builder", [agents.build, sla_report.build, speed.build, volume.build])
def test_reports_give_the_same_figures_with_the_fallback_of_the_demo(known, foreign, builder, monkeypatch):
    # given the reports built with GROUPING SETS
    with_sets = build(known["tenant"], builder)
    # when they are built as on SQLite, one GROUP BY per set
    monkeypatch.setattr(grouping, "supports_grouping_sets", lambda alias: False)
    fallback = build(known["tenant"], builder)
    # then every table has the same rows and values
    tables = [[(label, [c.value for c in cells]) for label, cells in s.table.rows] for s in with_sets.sections]
    assert tables == [[(label, [c.value for c in cells]) for label, cells in s.table.rows] for s in fallback.sections]
    assert any(rows for rows in tables)
