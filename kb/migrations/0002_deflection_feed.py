"""Knowledge base (issue 18 gaps): a filed request's browser note for the change-feed subscriber (kb.feed)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="FiledRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("browser", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
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
                "indexes": [models.Index(fields=["created_at"], name="filedrequest_created")],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "ticket"), name="filedrequest_one_per_ticket")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("filedrequest"),
    ]
