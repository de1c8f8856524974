"""get_or_create_contact (tickets.services.contacts): a known address is found, a new one inserted, each in one
statement on PostgreSQL, in the tenant in scope only; a concurrent request that creates the same address first is
answered with its row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tickets.models import Contact
from tickets.services import get_or_create_contact


@pytest.mark.django_db
def test_get_or_create_contact_finds_or_inserts_in_one_statement_in_its_tenant(tenant, other_tenant):
    # given the same address known to the other tenant, and a contact with a phone and a name here
    with tenant_context(other_tenant):
        theirs = Contact.objects.create(email="pat@customer.example", name="Their Pat")
    with tenant_context(tenant):
        known = Contact.objects.create(email="kim@customer.example", name="Kim", phone="+44 1", tier="vip")
        # when the known address (in capitals) and the other tenant's address are asked for
        with CaptureQueriesContext(connection) as queries:
            found = get_or_create_contact(email=" KIM@customer.example ", name="Someone Else")
            made = get_or_create_contact(email="pat@customer.example", name="Pat", phone="+44 2")
    # then each took one statement: the known contact as stored (its name is not replaced), and a new one here
    assert len(queries) == 2
    assert (found.pk, found.name, found.phone, found.tier, found.tenant_id) == (
        known.pk,
        "Kim",
        "+44 1",
        "vip",
        tenant.pk,
    )
    assert made.pk != theirs.pk and made.tenant_id == tenant.pk and not made._state.adding
    with tenant_context(tenant):
        stored = Contact.objects.get(pk=made.pk)
    assert (stored.email, stored.name, stored.phone) == ("pat@customer.example", "Pat", "+44 2")
    with tenant_context(other_tenant):
        assert Contact.objects.get(pk=theirs.pk).name == "Their Pat"


@pytest.mark.django_db
def test_get_or_create_contact_gives_a_known_contact_without_a_name_the_one_written(tenant):
    # given a contact known only by its address (first seen in a mail's Cc)
    with tenant_context(tenant):
        Contact.objects.create(email="cc@customer.example")
        # when it writes under a name
        contact = get_or_create_contact(email="cc@customer.example", name="Casey Cc")
        # then it has that name from now on
        assert Contact.objects.get(pk=contact.pk).name == "Casey Cc"


@pytest.mark.django_db(transaction=True)
def test_get_or_create_contact_takes_the_row_of_a_concurrent_request_that_created_the_address_first(tenant):
    # given another request that has inserted the address and not yet committed
    inserted, release, done = threading.Event(), threading.Event(), []

    def other_request():
        try:
            with tenant_context(tenant), transaction.atomic():
                done.append(Contact.objects.create(email="race@customer.example", name="First").pk)
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_request)
    thread.start()
    assert inserted.wait(10)
    # when this request asks for the same address (its insert waits for the other's commit)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    try:
        with tenant_context(tenant), transaction.atomic():
            contact = get_or_create_contact(email="race@customer.example", name="Second")
    finally:
        release.set()
        thread.join(10)
    # then it gets the row the other request committed, rather than an error on the unique key
    assert contact.pk == done[0] and contact.name == "First"
    with tenant_context(tenant):
        assert Contact.objects.filter(email="race@customer.example").count() == 1
