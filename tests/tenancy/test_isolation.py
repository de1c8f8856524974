"""Tenant isolation, generated from the model registry: every tenant-owned model is covered automatically.

These tests commit for real (transaction=True) and connect as the application role, so row-level security is
exercised exactly as in production; pytest-django's wrapping transaction would hide a missing setting.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from tenancy.checks import tenant_owned_models
from tenancy.context import NoTenantError, tenant_context, unscoped
from tenancy.db.router import scope_alias
from tests.registry import model_factories
from tests.tenancy.factories import TenantFactory

MODELS = tenant_owned_models()
APPEND_ONLY_TABLES = {"tickets_ticketevent"}
FACTORIES = model_factories()


def _label(model) -> str:
    return model._meta.label


def _rows_for_both_tenants(model):
    tenant_a = TenantFactory(slug="tenant-a", ticket_prefix="TA")
    tenant_b = TenantFactory(slug="tenant-b", ticket_prefix="TB")
    factory = FACTORIES[model]
    return tenant_a, tenant_b, factory(tenant=tenant_a), factory(tenant=tenant_b)


def _visible_tenant_ids(table: str) -> set[int]:
    """What raw SQL sees on the connection of the current scope (the platform connection inside unscoped())."""
    with connections[scope_alias()].cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT tenant_id FROM "{table}"')
        return {row[0] for row in cursor.fetchall()}


def test_every_tenant_owned_model_has_a_factory():
    # given every model that inherits TenantModel
    # when we look for its factory in tests/<app>/factories.py
    missing = [_label(model) for model in MODELS if model not in FACTORIES]
    # then each has one, so the isolation tests below cover it
    assert MODELS, "the registry found no tenant-owned models"
    assert missing == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_orm_shows_only_the_scoped_tenants_rows(model):
    # given a row in each of two tenants
    tenant_a, _tenant_b, row_a, row_b = _rows_for_both_tenants(model)
    # when tenant A lists the model
    with tenant_context(tenant_a):
        visible = set(model.objects.values_list("pk", flat=True))
        found_b = model.objects.filter(pk=row_b.pk).exists()
    # then it sees its own row and nothing of tenant B
    assert visible == {row_a.pk}
    assert not found_b


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_orm_without_a_tenant_raises(model):
    # given a row and no tenant in scope
    _rows_for_both_tenants(model)
    # when / then the default and the base manager refuse to query
    with pytest.raises(NoTenantError):
        list(model.objects.all())
    with pytest.raises(NoTenantError):
        model._base_manager.count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_unscoped_sees_every_tenant(model):
    # given a row in each of two tenants
    tenant_a, tenant_b, row_a, row_b = _rows_for_both_tenants(model)
    # when platform code opts out of the scope
    with unscoped():
        orm_ids = set(model.objects.values_list("pk", flat=True))
        raw_tenants = _visible_tenant_ids(model._meta.db_table)
    # then both rows are visible, through the ORM and (as the platform's BYPASSRLS role) through raw SQL
    assert orm_ids == {row_a.pk, row_b.pk}
    assert raw_tenants == {tenant_a.pk, tenant_b.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_raw_sql_sees_only_the_tenant_in_the_setting(model):
    # given a row in each of two tenants
    tenant_a, _tenant_b, _row_a, _row_b = _rows_for_both_tenants(model)
    table = model._meta.db_table
    # when raw SQL runs with tenant A's setting, then with no setting, inside and outside a transaction
    with tenant_context(tenant_a):
        seen_by_a = _visible_tenant_ids(table)
    seen_without_setting = _visible_tenant_ids(table)
    with transaction.atomic():
        seen_without_setting_in_transaction = _visible_tenant_ids(table)
    # then A sees only its own rows and no setting sees nothing at all
    assert seen_by_a == {tenant_a.pk}
    assert seen_without_setting == set()
    assert seen_without_setting_in_transaction == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_raw_sql_cannot_write_rows_of_another_tenant(model):
    # given a row in each of two tenants
    tenant_a, tenant_b, row_a, row_b = _rows_for_both_tenants(model)
    table = model._meta.db_table
    with tenant_context(tenant_a):
        # when tenant A's session touches B's row, it matches nothing
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" SET tenant_id = tenant_id WHERE id = %s', [row_b.pk])
            assert cursor.rowcount == 0
        # and moving its own row into tenant B is refused by the policy's WITH CHECK
        with pytest.raises(DatabaseError, match=r"row-level security|append-only"), transaction.atomic():
            connection.cursor().execute(
                f'UPDATE "{table}" SET tenant_id = %s WHERE id = %s',
                [tenant_b.pk, row_a.pk],
            )
    # then both rows are unchanged
    with unscoped():
        assert model.objects.get(pk=row_a.pk).tenant_id == tenant_a.pk
        assert model.objects.get(pk=row_b.pk).tenant_id == tenant_b.pk


def _tenant_foreign_keys():
    return [
        (model, field)
        for model in MODELS
        for field in model._meta.concrete_fields
        if field.many_to_one and field.name != "tenant" and field.related_model in MODELS
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "field"), _tenant_foreign_keys(), ids=lambda v: getattr(v, "name", None) or _label(v)
)
def test_database_refuses_a_reference_to_another_tenants_row(model, field):
    # given a row of tenant A and a row of the referenced model in tenant B
    tenant_a = TenantFactory(slug="tenant-a", ticket_prefix="TA")
    tenant_b = TenantFactory(slug="tenant-b", ticket_prefix="TB")
    target_factory = FACTORIES[field.related_model]
    row_a = FACTORIES[model](tenant=tenant_a, **{field.name: target_factory(tenant=tenant_a)})
    target_b = target_factory(tenant=tenant_b)
    # when even unscoped platform code points A's row at B's row
    table = model._meta.db_table
    with (
        pytest.raises(IntegrityError, match="same_tenant"),
        unscoped(),
        connections[scope_alias()].cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if table in APPEND_ONLY_TABLES:
            # Rows there are never updated: try to insert a copy that points at B's row instead.
            columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
            values = ["%s" if column == field.column else f'"{column}"' for column in columns]
            cursor.execute(
                f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM "{table}" WHERE id = %s',
                [target_b.pk, row_a.pk],
            )
        else:
            cursor.execute(f'UPDATE "{table}" SET "{field.column}" = %s WHERE id = %s', [target_b.pk, row_a.pk])
    # then the database refused it (the composite foreign key on tenant_id)


@pytest.mark.django_db
def test_every_tenant_owned_table_has_an_enabled_forced_policy():
    # given the tables of every tenant-owned model
    tables = sorted(model._meta.db_table for model in MODELS)
    # when we read their row-level security state from the catalogue
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
            FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_isolation'
            WHERE c.relname = ANY(%s) ORDER BY c.relname
            """,
            [tables],
        )
        rows = cursor.fetchall()
    # then each is enabled, forced, and filtered by the plain tenant predicate for reads and writes
    predicate = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::bigint)"
    assert [row[0] for row in rows] == tables
    for name, enabled, forced, using, check in rows:
        assert (name, enabled, forced, using, check) == (name, True, True, predicate, predicate)


@pytest.mark.django_db
def test_every_reference_between_tenant_rows_has_a_same_tenant_constraint():
    # given every foreign key from one tenant-owned model to another
    expected = {(model._meta.db_table, field.column) for model, field in _tenant_foreign_keys()}
    # when we read the composite foreign keys from the catalogue
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[2]
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 2
            """
        )
        found = set(cursor.fetchall())
    # then every one is covered
    assert expected - found == set()


@pytest.mark.django_db
def test_the_application_role_is_not_privileged():
    # given the connection the tests (and the application) use
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        superuser, bypass, createrole = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        owned_tables = cursor.fetchone()[0]
        # nor can it become a role that has them (SET ROLE from injected SQL)
        cursor.execute(
            "SELECT count(*) FROM pg_roles r WHERE (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole) "
            "AND r.rolname <> current_user AND pg_has_role(current_user, r.oid, 'MEMBER')"
        )
        privileged_memberships = cursor.fetchone()[0]
    # then it cannot step around row-level security
    assert (superuser, bypass, createrole, owned_tables, privileged_memberships) == (False, False, False, 0, 0)


@pytest.mark.django_db
def test_the_database_check_confirms_search_can_use_its_index_under_rls():
    from tenancy.checks import check_full_text_match_is_leakproof

    # given the test cluster, provisioned like production (tests/harness.py, config/docker/postgres-init.sh)
    # when the database checks run
    # then the text match is LEAKPROOF, so no warning
    assert check_full_text_match_is_leakproof(databases=["default"]) == []


@pytest.mark.django_db(transaction=True)
def test_writing_a_new_row_without_a_tenant_raises(tenant):
    # given no tenant in scope (the managers' create and insert skip the read filter, which writes do not need)
    from tickets.models import Contact

    # when a row is created through the manager, or saved with its tenant set by hand
    # then both are refused before anything reaches the database
    with pytest.raises(NoTenantError):
        Contact.objects.create(email="nobody@example.com")
    with pytest.raises(NoTenantError):
        Contact(tenant_id=tenant.pk, email="nobody@example.com").save()
    with unscoped():
        assert not Contact.objects.filter(email="nobody@example.com").exists()
