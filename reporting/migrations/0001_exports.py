"""Slot: exports and dashboard (issue 17). ExportJob: a large CSV export built by a task into a stored file; and the
two indexes the dashboard's SLA panels read on sla_slatarget (reporting's read paths, so created here, in plain
SQL that PostgreSQL and SQLite both take; the sla models do not declare them, so they leave the model state alone):

- running targets by the moment they need attention, COALESCE(warn_at, due_at) (the warning, else the due time):
  the at-risk list and its counts read the range up to now (reporting.dashboard.panels._warned);
- running targets by due time: the "still running past a due time in the period" half of compliance;
- decided targets by the time they were met: the other half of compliance, today and this week.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops
import tenancy.storage


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_custom_fields"), ("tenancy", "0009_invitations"), ("sla", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("base", models.CharField(max_length=40)),
                ("query", models.TextField(blank=True)),
                ("title", models.CharField(max_length=200)),
                (
                    "status",
                    models.CharField(
                        choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0)),
                ("rows", models.PositiveIntegerField(default=0)),
                (
                    "file",
                    models.FileField(blank=True, max_length=255, upload_to=tenancy.storage.tenant_upload_path),
                ),
                ("filename", models.CharField(max_length=200)),
                ("error", models.CharField(blank=True, max_length=255)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
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
                "ordering": ["-created_at", "-id"],
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    models.Index(fields=["tenant", "requested_by", "-created_at"], name="reporting_export_member")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("exportjob"),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reporting_slatarget_running_due "
            "ON sla_slatarget (tenant_id, due_at) WHERE state = 'running'",
            "DROP INDEX IF EXISTS reporting_slatarget_running_due",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reporting_slatarget_running_warned "
            "ON sla_slatarget (tenant_id, (COALESCE(warn_at, due_at))) WHERE state = 'running'",
            "DROP INDEX IF EXISTS reporting_slatarget_running_warned",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reporting_slatarget_met ON sla_slatarget (tenant_id, met_at) "
            "WHERE met_at IS NOT NULL",
            "DROP INDEX IF EXISTS reporting_slatarget_met",
        ),
    ]
