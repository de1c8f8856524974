"""The change feed (issue 11): one entry per transaction and ticket that recorded audit events.

On PostgreSQL a trigger on tickets_ticketevent upserts the entry of the event's transaction, keyed by tenant,
ticket and pg_current_xact_id(), and appends the event's id: no extra round trip for the service, and the entry
rolls back with the events, savepoints included. SQLite (the demo) has no per-transaction id; there
tickets.feed.recording writes the entry from Python in the same transaction.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_support_address_claims"),
        ("tickets", "0011_inbound_message_digest"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("xact_id", models.BigIntegerField()),
                ("event_ids", models.JSONField(default=list)),
                ("replay", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="FeedReceipt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("subscriber", models.CharField(max_length=60)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "entry",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receipts",
                        to="tickets.feedentry",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.AddIndex(
            model_name="feedentry",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)), fields=["tenant", "id"], name="feedentry_undone"
            ),
        ),
        migrations.AddConstraint(
            model_name="feedentry",
            constraint=models.UniqueConstraint(
                fields=("tenant", "ticket", "xact_id"), name="feedentry_one_per_transaction"
            ),
        ),
        migrations.AddConstraint(
            model_name="feedreceipt",
            constraint=models.UniqueConstraint(fields=("tenant", "entry", "subscriber"), name="feedreceipt_once"),
        ),
        tenancy.migration_ops.TenantSecurity("feedentry"),
        tenancy.migration_ops.TenantSecurity("feedreceipt"),
        tenancy.migration_ops.PostgresSQL(
            sql="""
            CREATE FUNCTION tickets_ticketevent_feed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- pg_current_xact_id() is the top-level transaction's id, also inside a savepoint.
                INSERT INTO tickets_feedentry (tenant_id, ticket_id, xact_id, event_ids, replay, created_at)
                VALUES (NEW.tenant_id, NEW.ticket_id, pg_current_xact_id()::text::bigint,
                        jsonb_build_array(NEW.id), false, now())
                ON CONFLICT (tenant_id, ticket_id, xact_id)
                DO UPDATE SET event_ids = tickets_feedentry.event_ids || EXCLUDED.event_ids;
                RETURN NULL;
            END $$;
            CREATE TRIGGER ticketevent_feed AFTER INSERT ON tickets_ticketevent
                FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_feed();
            """,
            reverse_sql="""
            DROP TRIGGER ticketevent_feed ON tickets_ticketevent;
            DROP FUNCTION tickets_ticketevent_feed();
            """,
        ),
    ]
