"""Structure settings (issue 12): per-tenant escalation tiers and portal settings, archived categories, a
queue's default priority.

Escalation levels were a fixed enum capped at 2 by a check constraint; they become the tenant's own ladder
(EscalationTier, level 1..N, at most 9; 0 is still not escalated). Each existing tenant gets the two tiers its
tickets already use, under the names the enum gave them, so its history reads as before; a new tenant gets
the default ladder from its setup hook. Each tenant also gets its portal settings row.

Raw SQL, one tenant at a time, as in 0009 and 0013: row-level security is forced on the tables even for their
owner. Backwards, levels above 2 are lowered to 2 so the old constraint holds again.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import tenancy.migration_ops
from tenancy.migration_ops import each_tenant

# The enum's names for levels 1 and 2 (frozen here).
EXISTING_TIERS = ((1, "Second line"), (2, "Management"))


def seed(apps, schema_editor) -> None:
    connection = schema_editor.connection
    for tenant_id in each_tenant(schema_editor):
        with connection.cursor() as cursor:
            for level, name in EXISTING_TIERS:
                cursor.execute(
                    "INSERT INTO tickets_escalationtier (tenant_id, level, name) VALUES (%s, %s, %s)",
                    [tenant_id, level, name],
                )
            cursor.execute(
                "INSERT INTO tickets_portalsettings (tenant_id, welcome_text, require_category, require_phone) "
                "VALUES (%s, '', %s, %s)",
                [tenant_id, False, False],
            )


def lower_levels(apps, schema_editor) -> None:
    connection = schema_editor.connection
    for tenant_id in each_tenant(schema_editor):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_ticket SET escalation_level = 2 WHERE tenant_id = %s AND escalation_level > 2",
                [tenant_id],
            )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_time_zones"), ("tenancy", "0009_invitations")]

    operations = [
        migrations.CreateModel(
            name="EscalationTier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(9),
                        ]
                    ),
                ),
                ("name", models.CharField(max_length=100)),
            ],
            options={
                "ordering": ["level"],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="PortalSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "welcome_text",
                    models.TextField(
                        blank=True,
                        help_text="Shown on the portal's home page, under the heading. Plain text.",
                        max_length=2000,
                    ),
                ),
                (
                    "require_category",
                    models.BooleanField(
                        default=False, help_text="Customers must choose a topic when they submit a request."
                    ),
                ),
                (
                    "require_phone",
                    models.BooleanField(
                        default=False, help_text="Customers must give a phone number when they submit a request."
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "portal settings",
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.RemoveConstraint(
            model_name="ticket",
            name="ticket_escalation_level",
        ),
        migrations.AddField(
            model_name="category",
            name="is_active",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="queue",
            name="default_priority",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")], default=2
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="escalation_level",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.CheckConstraint(
                condition=models.Q(("escalation_level__lte", 9)), name="ticket_escalation_level"
            ),
        ),
        migrations.AddField(
            model_name="escalationtier",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.tenant",
            ),
        ),
        migrations.AddField(
            model_name="portalsettings",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.tenant",
            ),
        ),
        migrations.AddConstraint(
            model_name="escalationtier",
            constraint=models.UniqueConstraint(fields=("tenant", "level"), name="escalationtier_tenant_level"),
        ),
        migrations.AddConstraint(
            model_name="escalationtier",
            constraint=models.CheckConstraint(
                condition=models.Q(("level__gte", 1), ("level__lte", 9)), name="escalationtier_level_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="portalsettings",
            constraint=models.UniqueConstraint(fields=("tenant",), name="portalsettings_one_per_tenant"),
        ),
        tenancy.migration_ops.TenantSecurity("escalationtier"),
        tenancy.migration_ops.TenantSecurity("portalsettings"),
        migrations.RunPython(seed, lower_levels, elidable=False),
    ]
