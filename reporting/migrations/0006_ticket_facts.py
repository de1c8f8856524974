"""Per-ticket facts for the speed and agents reports (issue 17): a new, empty table (rows come from the change
feed and `manage.py backfill_ticket_facts`), so its indexes are created in the same step."""

import django.db.models.deletion
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_dashboard_warned"),
        ("tenancy", "0011_agent_figures"),
        ("tickets", "0019_reporting_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketFacts",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ticket_created_at", models.DateTimeField()),
                ("first_resolved_at", models.DateTimeField()),
                ("final_resolved_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="reporting_facts",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "ticket facts",
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    models.Index(
                        condition=models.Q(("final_resolved_at__isnull", False)),
                        fields=["tenant", "final_resolved_at"],
                        include=("ticket_created_at", "ticket"),
                        name="ticketfacts_final",
                    ),
                    models.Index(
                        fields=["tenant", "first_resolved_at"],
                        include=("ticket_created_at", "ticket"),
                        name="ticketfacts_first",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "ticket"), name="ticketfacts_one_per_ticket")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("ticketfacts"),
    ]
