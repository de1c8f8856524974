"""Auto-resolve and auto-close (issue 16 item 4): the tenant's settings and the status clocks the job scans."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


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
    ]
