"""AnyOf (tenancy.db.lookups): a list of ids sent to PostgreSQL as one typed array, with the rows IN would give."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tenancy.db.lookups import AnyOf
from tickets.models import Ticket


def test_any_of_finds_the_rows_in_gives_with_one_array_parameter(in_tenant, new_ticket):
    # given three tickets, of which two are asked for along with ids no ticket has
    first, second, third = (new_ticket(subject=f"Ticket {n}") for n in range(3))
    wanted = [first.pk, third.pk, 2**40, 0]
    # when they are read with AnyOf
    with CaptureQueriesContext(connection) as captured:
        found = set(Ticket.objects.filter(AnyOf(F("pk"), wanted)).values_list("pk", flat=True))
    # then the rows are those of IN, and the ids went as one bigint array, not one parameter each
    assert found == set(Ticket.objects.filter(pk__in=wanted).values_list("pk", flat=True)) == {first.pk, third.pk}
    assert "= ANY(" in captured[-1]["sql"] and "::bigint[]" in captured[-1]["sql"]
    assert second.pk not in found


def test_any_of_an_empty_list_finds_nothing(in_tenant, new_ticket):
    # given a ticket
    new_ticket()
    # when nothing is asked for, then nothing is found (and the statement is valid SQL)
    assert list(Ticket.objects.filter(AnyOf(F("pk"), []))) == []
