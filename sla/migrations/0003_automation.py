"""Auto-resolve and auto-close (issue 16 item 4): the tenant's settings and the status clocks the job scans,
filled for the tickets already pending or resolved (tenant by tenant: row-level security binds the owner too)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops

# Pending since the latest status event into pending (else since creation); resolved since resolved_at: as
# sla.automation.clocks computes it, in one statement per tenant.
FILL = """
INSERT INTO sla_statusclock (tenant_id, ticket_id, status, since)
SELECT t.tenant_id, t.id, t.status,
    CASE WHEN t.status = 'resolved' THEN t.resolved_at ELSE COALESCE(
        (SELECT e.created_at FROM tickets_ticketevent e
         WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id AND e.field = 'status' AND e.new_value = 'pending'
         ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
        t.created_at) END
FROM tickets_ticket t
WHERE t.tenant_id = %s AND t.merged_into_id IS NULL
    AND (t.status = 'pending' OR (t.status = 'resolved' AND t.resolved_at IS NOT NULL))
"""


def fill_status_clocks(apps, schema_editor):
    for tenant_id in tenancy.migration_ops.each_tenant(schema_editor):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FILL, [tenant_id])


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_enforcement")]

    operations = [
        migrations.CreateModel(
            name="AutomationSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("resolve_after_days", models.PositiveSmallIntegerField(blank=True, default=7, null=True)),
                ("close_enabled", models.BooleanField(default=True)),
                ("close_after_days", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("resolve_message", models.TextField(blank=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
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
                "constraints": [models.UniqueConstraint(fields=("tenant",), name="sla_automationsettings_one")],
            },
        ),
        migrations.CreateModel(
            name="StatusClock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(choices=[("pending", "Pending"), ("resolved", "Resolved")], max_length=10),
                ),
                ("since", models.DateTimeField()),
                ("retry_after", models.DateTimeField(blank=True, null=True)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["tenant", "status", "since"], name="sla_statusclock_due")],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "ticket"), name="sla_statusclock_one_per_ticket")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("automationsettings"),
        tenancy.migration_ops.TenantSecurity("statusclock"),
        migrations.RunPython(fill_status_clocks, migrations.RunPython.noop),
    ]
