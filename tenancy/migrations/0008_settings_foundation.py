"""The configuration audit (tenancy.ConfigChange): who changed which setting, from what to what."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0007_time_zones")]

    operations = [
        migrations.CreateModel(
            name="ConfigChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("actor_automation", models.CharField(blank=True, max_length=100)),
                ("area", models.CharField(max_length=60)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("created", "Created"),
                            ("updated", "Changed"),
                            ("deleted", "Deleted"),
                            ("archived", "Archived"),
                            ("merged", "Merged"),
                        ],
                        max_length=12,
                    ),
                ),
                ("target_type", models.CharField(blank=True, max_length=60)),
                ("target_id", models.CharField(blank=True, max_length=40)),
                ("target_label", models.CharField(blank=True, max_length=200)),
                ("before", models.JSONField(blank=True, default=dict)),
                ("after", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "actor_membership",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
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
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    models.Index(fields=["tenant", "-created_at", "-id"], name="configchange_recent"),
                    models.Index(fields=["tenant", "area", "-created_at"], name="configchange_area"),
                    models.Index(fields=["tenant", "target_type", "target_id"], name="configchange_target"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("actor_automation", ""), ("actor_membership__isnull", False)),
                            models.Q(
                                ("actor_membership__isnull", True), models.Q(("actor_automation", ""), _negated=True)
                            ),
                            _connector="OR",
                        ),
                        name="configchange_exactly_one_actor",
                    )
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("configchange"),
    ]
