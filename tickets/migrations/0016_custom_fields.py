"""Custom ticket fields (issue 13): tenant-defined field definitions, and their values in one JSONB column
`tickets_ticket.custom_fields` with a GIN index (tenant_id, custom_fields jsonb_path_ops) for containment
filters. See tickets/custom_fields/__init__.py for the storage choice."""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("tickets", "0015_structure")]

    operations = [
        migrations.CreateModel(
            name="CustomField",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(max_length=40)),
                ("label", models.CharField(max_length=100)),
                ("help_text", models.CharField(blank=True, max_length=300)),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("text", "Text (one line)"),
                            ("long_text", "Long text"),
                            ("number", "Number"),
                            ("date", "Date"),
                            ("choice", "Choice (one of a list)"),
                            ("multi_choice", "Multiple choice"),
                            ("checkbox", "Checkbox"),
                        ],
                        max_length=20,
                    ),
                ),
                ("choices", models.JSONField(blank=True, default=list)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("visible_in_portal", models.BooleanField(default=False)),
                ("required_at_creation", models.BooleanField(default=False)),
                ("required_at_resolution", models.BooleanField(default=False)),
                ("archived_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                "ordering": ["position", "id"],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="CustomFieldCategory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.AddField(
            model_name="ticket",
            name="custom_fields",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["tenant", "custom_fields"],
                name="ticket_custom_fields",
                opclasses=["int8_ops", "jsonb_path_ops"],
            ),
        ),
        migrations.AddField(
            model_name="customfield",
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
            model_name="customfieldcategory",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tickets.category"
            ),
        ),
        migrations.AddField(
            model_name="customfieldcategory",
            name="field",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="tickets.customfield"),
        ),
        migrations.AddField(
            model_name="customfieldcategory",
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
            model_name="customfield",
            name="categories",
            field=models.ManyToManyField(
                blank=True, related_name="+", through="tickets.CustomFieldCategory", to="tickets.category"
            ),
        ),
        migrations.AddIndex(
            model_name="customfieldcategory",
            index=models.Index(fields=["tenant", "category"], name="customfieldcategory_category"),
        ),
        migrations.AddConstraint(
            model_name="customfieldcategory",
            constraint=models.UniqueConstraint(
                fields=("tenant", "field", "category"), name="customfieldcategory_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="customfield",
            constraint=models.UniqueConstraint(fields=("tenant", "key"), name="customfield_tenant_key"),
        ),
        tenancy.migration_ops.TenantSecurity("customfield"),
        tenancy.migration_ops.TenantSecurity("customfieldcategory"),
    ]
