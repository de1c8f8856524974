"""Querysets compiled once per process and shape (tenancy.prepared): the same rows and instances as the queryset
itself, each use's own values, each tenant its own statement, and a value that is not a parameter refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tenancy.prepared import prepared
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _tickets_of(contact_id):
    return (
        Ticket.objects.select_related("contact", "queue__team")
        .defer("search_vector")
        .annotate(messages_count=Count("messages"))
        .filter(contact_id=contact_id)
        .order_by("number")
    )


def test_a_prepared_read_gives_what_the_queryset_gives(tenant, desk, new_ticket):
    # given two tickets of the requester
    first, second = new_ticket(subject="First"), new_ticket(subject="Second")
    with tenant_context(tenant):
        expected = list(_tickets_of(desk["contact"].pk))
        # when they are read twice through prepared(): once compiled, once from the compiled statement
        reads = [prepared(("test", "tickets_of"), _tickets_of, desk["contact"].pk) for _ in range(2)]
        with CaptureQueriesContext(connection) as captured:
            again = prepared(("test", "tickets_of"), _tickets_of, desk["contact"].pk)
    # then each read is the queryset's rows, with their joined objects, annotations and deferred field
    for rows in (*reads, again):
        assert [t.pk for t in rows] == [first.pk, second.pk] == [t.pk for t in expected]
        assert [t.subject for t in rows] == ["First", "Second"]
        assert rows[0].contact.name == "Pat Requester" and rows[0].queue.team.name == "Frontline"
        assert rows[0].messages_count == expected[0].messages_count == 1
        assert "search_vector" in rows[0].get_deferred_fields()
    # and a read from the compiled statement is one statement
    assert len(captured) == 1


def test_each_use_has_its_own_values_and_each_tenant_its_own_statement(tenant, other_tenant, desk, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        assert [t.pk for t in prepared(("test", "by_number"), _by_number, ticket.number)] == [ticket.pk]
        assert prepared(("test", "by_number"), _by_number, ticket.number + 1) == []
    # when another tenant asks for the same number with the same key
    with tenant_context(other_tenant), CaptureQueriesContext(connection) as captured:
        rows = prepared(("test", "by_number"), _by_number, ticket.number)
    # then its statement is its own: the first tenant's filter was compiled in for the first tenant only (row-level
    # security would hide the rows anyway; the statement must not even ask)
    assert rows == []
    (statement,) = [q["sql"] for q in captured if "tickets_ticket" in q["sql"]]
    assert f'"tenant_id" = {other_tenant.pk} ' in statement and f"= {ticket.number})" in statement


def _by_number(number):
    return Ticket.objects.filter(number=number)


def test_a_value_that_is_not_a_parameter_is_refused(tenant):
    with tenant_context(tenant), pytest.raises(ValueError, match="not a parameter"):
        # the value decides the query's shape rather than landing among its parameters
        prepared(("test", "unused"), lambda number: Ticket.objects.filter(number=1), 5)
