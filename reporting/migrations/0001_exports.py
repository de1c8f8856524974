"""Slot: exports and dashboard (issue 17). ExportJob: a large CSV export built by a task into a stored file."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops
import tenancy.storage


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_custom_fields"), ("tenancy", "0009_invitations")]

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
    ]
