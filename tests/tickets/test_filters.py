"""The queue filters (tickets.filters.TicketFilter): the form class kept per tenant and custom fields, and the
filters copied per request instead of deep-copied."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tenancy.context import tenant_context
from tests.tickets.factories import QueueFactory
from tickets.filters import TicketFilter
from tickets.models import Ticket
from tickets.services import custom_fields as field_services

pytestmark = pytest.mark.django_db


def _filters(query: str = "") -> TicketFilter:
    return TicketFilter(QueryDict(query) if query else None, queryset=Ticket.objects.all())


def test_form_offers_each_tenant_its_own_queues_whichever_tenant_built_the_form_class_first(tenant, other_tenant):
    # given a queue in each tenant
    with tenant_context(tenant):
        mine = QueueFactory(tenant=tenant, name="Mine")
    with tenant_context(other_tenant):
        theirs = QueueFactory(tenant=other_tenant, name="Theirs")
    # when each tenant's filters are built, the first tenant's twice (its kept form class the second time)
    with tenant_context(tenant):
        first = list(_filters().form.fields["queue"].queryset)
        again = list(_filters().form.fields["queue"].queryset)
        # a choice of the other tenant's queue is refused as not one of the choices
        refused = _filters(f"queue={theirs.pk}")
        assert not refused.form.is_valid() and "queue" in refused.form.errors
    with tenant_context(other_tenant):
        other = list(_filters().form.fields["queue"].queryset)
        chosen = _filters(f"queue={theirs.pk}")
        assert chosen.form.is_valid() and chosen.form.cleaned_data["queue"] == theirs
    # then each sees its own queues only
    assert first == again == [mine]
    assert other == [theirs]


def test_form_gains_a_custom_field_filter_and_sort_as_soon_as_the_field_is_added(tenant, other_tenant, admin):
    # given the tenant's form class, built before any custom field exists
    with tenant_context(tenant):
        assert "cf_seats_min" not in _filters().form.fields
        # when an admin adds a number field
        field_services.create_custom_field(actor=admin, key="seats", label="Seats", type="number")
        # then the next request's form filters and sorts by it
        filters = _filters("cf_seats_min=3&sort=cf_seats")
        assert "cf_seats_min" in filters.form.fields and filters.form.is_valid()
        assert filters.sort_key == "cf_seats"
    # and the other tenant's form knows nothing of it
    with tenant_context(other_tenant):
        assert "cf_seats_min" not in _filters().form.fields
        assert "cf_seats" not in dict(_filters().form.fields["sort"].choices)


def test_filters_of_a_request_are_its_own(tenant):
    # given two requests' filters
    with tenant_context(tenant):
        one, two = _filters("q=printer"), _filters("tag=urgent")
        # then neither shares a filter with the other or with the class, and methods find their own filter set
        for name, base in TicketFilter.base_filters.items():
            assert one.filters[name] is not base and one.filters[name] is not two.filters[name]
            assert one.filters[name].extra is not base.extra
            assert one.filters[name].parent is one and two.filters[name].parent is two
        assert one.filters["tag"].filter.method.__self__ is one
        assert two.filters["tag"].filter.method.__self__ is two
        # and building a field on one (a choice queryset written into its extra) leaves the class's alone
        assert one.filters["queue"].field.queryset is not None
        assert callable(TicketFilter.base_filters["queue"].extra["queryset"])  # still the class's lambda
        assert not callable(one.filters["queue"].extra["queryset"])  # this request's queryset
        assert "_field" not in TicketFilter.base_filters["queue"].__dict__
