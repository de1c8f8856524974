"""A list page's rows (tickets.selectors.page_rows): the statement compiled once per process and tenant reads
what the ORM's would, one statement with the list's count, and never a row of another tenant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.models import Queue, Team, Ticket
from tickets.selectors import list_row_values, list_row_values_counting, page_rows
from tickets.services.assignment import claim


def _tickets(tenant, contact, queue, n: int, **extra) -> list[int]:
    with tenant_context(tenant):
        return [
            services.create_ticket(actor=contact, contact=contact, subject=f"T{i}", body="x", queue=queue, **extra).pk
            for i in range(n)
        ]


def _by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: row["id"])


@pytest.fixture
def compiled(monkeypatch):
    """How many times the rows' statement was built and compiled (page_rows.ROW_STATEMENTS)."""
    calls = []
    compile_ = page_rows._compile_row_statement

    def counting(alias):
        calls.append(alias)
        return compile_(alias)

    monkeypatch.setattr(page_rows, "_compile_row_statement", counting)
    page_rows.ROW_STATEMENTS.clear()
    yield calls
    page_rows.ROW_STATEMENTS.clear()


@pytest.mark.django_db
def test_rows_statement_is_compiled_once_per_tenant_and_reads_what_the_orm_reads(
    tenant, other_tenant, agent, desk, compiled
):
    # given tickets in two tenants, one of ours claimed by an agent
    ours = _tickets(tenant, desk["contact"], desk["queue"], 3)
    with tenant_context(tenant):
        claim(ticket=Ticket.objects.get(pk=ours[0]), actor=agent)
    with tenant_context(other_tenant):
        queue = Queue.objects.create(name="Theirs", team=Team.objects.create(name="Globex team"))
    theirs = _tickets(other_tenant, ContactFactory(tenant=other_tenant, email="x@globex.example"), queue, 2)
    # when each tenant reads its rows (twice), ours asking for theirs too
    with tenant_context(tenant):
        first, again = list_row_values(ours), list_row_values(ours)
        mixed = list_row_values([*ours, *theirs])
        orm = list(page_rows._list_row_values(ours))
    with tenant_context(other_tenant):
        other, other_orm = list_row_values(theirs), list(page_rows._list_row_values(theirs))
    # then one compilation per tenant gave the ORM's rows, and a tenant never sees another's
    assert len(compiled) == 2
    assert _by_id(first) == _by_id(again) == _by_id(orm) and len(first) == 3
    assert _by_id(first)[0]["assignee__user__email"] == agent.user.email
    assert _by_id(mixed) == _by_id(first)
    assert _by_id(other) == _by_id(other_orm) and {row["id"] for row in other} == set(theirs)


@pytest.mark.django_db
def test_rows_with_the_lists_count_are_one_statement(tenant, other_tenant, desk, compiled):
    # given five tickets here and three in another tenant, none of which the count may include
    ours = _tickets(tenant, desk["contact"], desk["queue"], 5)
    with tenant_context(other_tenant):
        queue = Queue.objects.create(name="Theirs", team=Team.objects.create(name="Globex team"))
    _tickets(other_tenant, ContactFactory(tenant=other_tenant, email="x@globex.example"), queue, 3)
    with tenant_context(tenant):
        tickets = Ticket.objects.filter(queue=desk["queue"]).order_by("id")
        # when two rows are read with the list's count, capped at 1000 and at 3, and a page of no row
        with CaptureQueriesContext(connection) as captured:
            rows, count = list_row_values_counting(ours[:2], tickets)
        _, capped = list_row_values_counting(ours[:2], tickets, cap=3)
        _, nothing = list_row_values_counting([0], tickets)
        orm = list(page_rows._list_row_values(ours[:2]))
    # then one statement gave the ORM's rows and the count (cap + 1 past the cap; None without a row)
    assert len(captured) == 1
    assert _by_id(rows) == _by_id(orm)
    assert (count, capped, nothing) == (5, 4, None)
    assert len(compiled) == 1
