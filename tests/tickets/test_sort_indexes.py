"""Custom fields' sort indexes (issue 13): asked for by an admin, built and dropped by the owner role, used by the
queue's sort once ready."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection

from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.tickets.factories import TicketFactory
from tickets.custom_fields import sort_indexes
from tickets.custom_fields.sort_indexes import Plan, Wanted, create_sql, drop_sql, index_name, plan
from tickets.errors import TicketError
from tickets.models import CustomField
from tickets.services import custom_fields as services


def test_plan_builds_what_is_asked_and_drops_the_rest():
    # given two fields asked for (one already built), an index whose field no longer asks, and an invalid one
    product, contract, orphan = Wanted(1, 10, "product"), Wanted(1, 11, "contract"), Wanted(2, 12, "tier")
    existing = {index_name(1, 10): True, index_name(1, 99): True, index_name(2, 12): False}
    # when the work is planned
    work = plan([product, contract, orphan], existing)
    # then the missing and the invalid are built, the unwanted and the invalid dropped, the built one kept
    assert work == Plan(create=(contract, orphan), drop=tuple(sorted([index_name(1, 99), index_name(2, 12)])))


def test_sort_index_sql_is_partial_on_the_tenant_and_refuses_bad_names():
    # when / then: the order of the queue's sort, on the tenant's tickets only
    sql = create_sql(Wanted(7, 3, "product"))
    assert sql == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_cfsort_7_3" ON tickets_ticket '
        "((custom_fields -> 'product'), next_due_at, id) WHERE tenant_id = 7"
    )
    with pytest.raises(ValueError):
        create_sql(Wanted(7, 3, "x'); DROP TABLE tickets_ticket; --"))
    with pytest.raises(ValueError):
        drop_sql("tickets_ticket_pkey")


def _owner_cursor_factory():
    """A connection to the test database as the owner role (DDL), as `manage.py sync_sort_indexes` has."""
    owner = os.environ["DATABASE_URL"]
    name = connection.settings_dict["NAME"]
    return psycopg.connect(owner.rsplit("/", 1)[0] + f"/{name}", autocommit=True)


def _index_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [name])
        return cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_sort_index_lifecycle_asked_built_used_and_dropped_on_archive(tenant, admin, supervisor, other_tenant):
    # given a choice field on a few tickets, in this tenant and another
    with tenant_context(tenant):
        field = CustomField.objects.create(
            key="product", label="Product", type="choice", choices=[{"code": "a", "label": "A"}]
        )
        for number in range(1, 4):
            TicketFactory(tenant=tenant, number=number, custom_fields={"product": "a"})
    with tenant_context(other_tenant):
        TicketFactory(tenant=other_tenant, number=1, custom_fields={"product": "a"})
    name = index_name(tenant.pk, field.pk)
    # when an admin asks for the sort index
    with tenant_context(tenant):
        services.set_custom_field_sort_index(actor=admin, field=field, indexed=True)
        assert CustomField.objects.get(pk=field.pk).sort_index_state == "pending"
    # and the owner's job runs
    with _owner_cursor_factory() as owner, owner.cursor() as cursor:
        work = sort_indexes.sync(cursor)
    # then the index exists, partial on the tenant, and the field says it is ready
    assert [w.field_id for w in work.create] == [field.pk]
    assert _index_exists(name)
    with tenant_context(tenant):
        assert CustomField.objects.get(pk=field.pk).sort_index_state == "ready"
    # and the queue sorted by the field carries the conditions the index needs (tenant and key as constants)
    client = host_client(tenant, supervisor)
    from django.test.utils import CaptureQueriesContext

    from tickets.custom_fields.definitions import forget

    forget(tenant.pk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/views/all/?sort=cf_product").status_code == 200
    ordered = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"] and "-> 'product'" in q["sql"]]
    assert ordered and f'"tenant_id" = {tenant.pk}' in ordered[0]
    # when the field is archived and the job runs again
    with tenant_context(tenant):
        services.archive_custom_field(actor=admin, field=field)
    with _owner_cursor_factory() as owner, owner.cursor() as cursor:
        work = sort_indexes.sync(cursor)
    # then the index is dropped and the field shows no index
    assert work.drop == (name,)
    assert not _index_exists(name)
    with tenant_context(tenant):
        assert CustomField.objects.get(pk=field.pk).sort_index_state == ""


@pytest.mark.django_db
def test_set_custom_field_sort_index_refuses_text_areas_and_archived_fields(tenant, admin, agent):
    # given a long-text field and an archived choice field
    with tenant_context(tenant):
        notes = CustomField.objects.create(key="notes", label="Notes", type="long_text")
        from django.utils import timezone

        old = CustomField.objects.create(
            key="old", label="Old", type="choice", choices=[{"code": "a", "label": "A"}], archived_at=timezone.now()
        )
        # when / then
        with pytest.raises(TicketError, match="does not sort"):
            services.set_custom_field_sort_index(actor=admin, field=notes, indexed=True)
        with pytest.raises(TicketError, match="archived"):
            services.set_custom_field_sort_index(actor=admin, field=old, indexed=True)
        with pytest.raises(TicketError):
            services.set_custom_field_sort_index(actor=agent, field=old, indexed=False)


@pytest.mark.django_db
def test_custom_field_page_shows_the_sort_index_state_and_button(tenant, admin):
    # given a choice field
    with tenant_context(tenant):
        field = CustomField.objects.create(
            key="product", label="Product", type="choice", choices=[{"code": "a", "label": "A"}]
        )
    client = host_client(tenant, admin)
    # when the admin asks for the index from the field's page
    answer = client.post(f"/desk/settings/fields/{field.pk}/sort-index/", {"indexed": "1"}, follow=True)
    # then the page shows it waiting, with the button to stop
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-sort-index-state="pending"' in page and "Stop indexing" in page
