"""The message's primary key is (tenant_id, id) (issue 21 item 4, storage): one unique index instead of two.

A message had two unique indexes: its primary key on `id` (10.9 MB at 100,000 tickets, 109 bytes a ticket) and
the same-tenant key on (tenant_id, id) that the composite foreign keys from attachments and inbound and outbound
mail reference (tenancy.migration_ops.TenantSecurity). The same-tenant key becomes the primary key, under its own
name (so TenantSecurity's `CREATE UNIQUE INDEX IF NOT EXISTS` finds it), and the index on `id` alone goes with
the three single-column foreign keys that needed it; the composite ones stay and enforce the same references
within the tenant. Every read of a message by id carries the tenant: the tenant-scoped manager adds it, and under
row-level security the policy does (no unscoped code reads messages). Django's model keeps `id` as its primary
key: ids still come from the sequence, and an `id = ...` lookup within a tenant reads the (tenant_id, id) index.

Both steps take a brief exclusive lock and no scan: dropping constraints, and promoting an existing unique index
(PRIMARY KEY USING INDEX; tenant_id is NOT NULL). SQLite (the demo) keeps its primary key and its (no-op)
constraints. Backwards, a unique index on `id` comes back (built CONCURRENTLY) for the single-column foreign keys
to reference; the primary key stays (tenant_id, id).
"""

import django.db.models.deletion
from django.db import migrations, models

from tenancy.migration_ops import PostgresSQL

# The unique index on id is the primary key's, or (migrated back and forth) the one the way back built.
PRIMARY_KEY = """
ALTER TABLE tickets_message DROP CONSTRAINT IF EXISTS tickets_message_pkey;
DROP INDEX IF EXISTS tickets_message_id_key;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'tickets_message'::regclass AND contype = 'p') THEN
        ALTER TABLE tickets_message
            ADD CONSTRAINT tickets_message_tenant_key PRIMARY KEY USING INDEX tickets_message_tenant_key;
    END IF;
END $$;
"""

ID_KEY = """
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tickets_message_id_key ON tickets_message (id);
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0022_search_stop_words_s3")]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="message",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attachments",
                to="tickets.message",
            ),
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="message",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.message",
            ),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="message",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.message",
            ),
        ),
        PostgresSQL(sql=PRIMARY_KEY, reverse_sql=ID_KEY),
    ]
