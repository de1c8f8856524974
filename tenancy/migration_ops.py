"""The migration operation that walls in a tenant-owned table on PostgreSQL.

Every migration that creates a tenant-owned model (or adds a foreign key between tenant-owned models)
ends with `TenantSecurity("modelname")`; `tests/tenancy/test_row_level_security.py` fails for a table
that lacks it. The operation is idempotent, so running it again after adding a foreign key is safe.
"""

from __future__ import annotations

import hashlib

from django.db import NotSupportedError, migrations

POLICY = "tenant_isolation"
PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def _name(table: str, suffix: str) -> str:
    name = f"{table}_{suffix}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]  # noqa: S324 - a name, not a secret
    return f"{name[:54]}_{digest}"


def is_tenant_owned(model) -> bool:
    try:
        field = model._meta.get_field("tenant")
    except Exception:
        return False
    return bool(field.is_relation and field.related_model._meta.label_lower == "tenancy.tenant")


def tenant_key_sql(table: str) -> str:
    index = _name(table, "tenant_key")
    return f'CREATE UNIQUE INDEX IF NOT EXISTS "{index}" ON "{table}" (tenant_id, id)'


class TenantSecurity(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return f"Tenant key, same-tenant foreign keys and row-level security for {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"tenant_security_{self.model_name.lower()}"

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name], {}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        statements = [
            tenant_key_sql(table),
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
            f'CREATE POLICY {POLICY} ON "{table}" USING ({PREDICATE}) WITH CHECK ({PREDICATE})',
        ]
        for field in model._meta.concrete_fields:
            target = field.related_model if field.many_to_one or field.one_to_one else None
            if target is None or field.name == "tenant" or not is_tenant_owned(target):
                continue
            target_table = target._meta.db_table
            constraint = _name(table, f"{field.column}_same_tenant")
            statements += [
                tenant_key_sql(target_table),
                f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{constraint}"',
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}" FOREIGN KEY (tenant_id, "{field.column}") '
                f'REFERENCES "{target_table}" (tenant_id, id) DEFERRABLE INITIALLY DEFERRED',
            ]
        for statement in statements:
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        schema_editor.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


class PostgresSQL(migrations.RunSQL):
    """Raw SQL that only PostgreSQL runs (triggers and functions); SQLite, used by the demo, skips it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _online(schema_editor) -> bool:
    """CONCURRENTLY where the database has it (PostgreSQL), which only runs outside a transaction."""
    if schema_editor.connection.vendor != "postgresql":
        return False
    if schema_editor.connection.in_atomic_block:
        raise NotSupportedError("An online index change needs a migration with `atomic = False`.")
    return True


class AddIndexOnline(migrations.AddIndex):
    """An index built CONCURRENTLY on PostgreSQL, so a large table keeps taking writes while it is built (the
    migration is `atomic = False`; a failed build leaves an INVALID index to drop before retrying), and a plain
    CREATE INDEX on the demo's SQLite, which has no CONCURRENTLY."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            online = {"concurrently": True} if _online(schema_editor) else {}
            schema_editor.add_index(model, self.index, **online)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            online = {"concurrently": True} if _online(schema_editor) else {}
            schema_editor.remove_index(model, self.index, **online)


class RemoveIndexOnline(migrations.RemoveIndex):
    """DROP INDEX CONCURRENTLY on PostgreSQL (its lock does not queue the table's readers and writers behind a
    long query), plain DROP INDEX on SQLite."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            online = {"concurrently": True} if _online(schema_editor) else {}
            schema_editor.remove_index(model, index, **online)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            online = {"concurrently": True} if _online(schema_editor) else {}
            schema_editor.add_index(model, index, **online)


class DropFieldIndexOnline(migrations.operations.base.Operation):
    """The database half of a foreign key's `db_index=True -> False` (paired with the AlterField in
    SeparateDatabaseAndState): the field's own index, named as Django names it, dropped CONCURRENTLY. Django's
    AlterField would drop the foreign-key constraint and add it again, validating it against every row under a
    lock that blocks writes to both tables; the constraint does not change, so it is left alone."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, field_name: str):
        self.model_name, self.field_name = model_name, field_name

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return f"Drop the own index of {self.model_name}.{self.field_name}"

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name, self.field_name], {}

    def _name(self, schema_editor, state, app_label) -> tuple[str, object, object]:
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.field_name)
        return schema_editor._create_index_name(model._meta.db_table, [field.column], suffix=""), model, field

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        name, _, _ = self._name(schema_editor, from_state, app_label)
        concurrently = "CONCURRENTLY " if _online(schema_editor) else ""
        schema_editor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        _, model, field = self._name(schema_editor, to_state, app_label)
        online = {"concurrently": True} if _online(schema_editor) else {}
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field], **online))


def each_tenant(schema_editor):
    """Yield every tenant's id with `app.tenant_id` set to it, for data migrations in raw SQL: row-level security
    is forced on tenant tables even for their owner, so each tenant's rows are visible only with its setting (SQLite
    has no such wall). The setting is cleared at the end."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenancy_tenant ORDER BY id")
        tenant_ids = [row[0] for row in cursor.fetchall()]
    for tenant_id in tenant_ids:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
        yield tenant_id
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")
