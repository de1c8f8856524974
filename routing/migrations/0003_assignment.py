"""Slot: assignment strategies (issue 14): decisions with their candidates, the round-robin turn per queue, and
the log of availability changes."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops

AVAILABILITY = [("online", "Online"), ("away", "Away"), ("offline", "Offline")]


class Migration(migrations.Migration):
    dependencies = [("routing", "0002_rules"), ("tenancy", "0010_availability")]

    operations = [
        migrations.CreateModel(
            name="AssignmentDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("strategy", models.CharField(max_length=20)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("assigned", "Assigned"),
                            ("waiting", "Waiting: nobody fits"),
                            ("returned", "Returned to the queue"),
                        ],
                        max_length=10,
                    ),
                ),
                ("candidates", models.JSONField(blank=True, default=list)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("entry_id", models.BigIntegerField(blank=True, null=True)),
                ("rule_decision_id", models.BigIntegerField(blank=True, null=True)),
                ("trigger", models.CharField(blank=True, max_length=20)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "chosen",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "queue",
                    models.ForeignKey(
                        null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="tickets.queue"
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
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tickets.ticket"
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["tenant", "ticket", "created_at"], name="routing_assigndec_ticket")],
            },
        ),
        migrations.CreateModel(
            name="AvailabilityChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("old", models.CharField(choices=AVAILABILITY, max_length=8)),
                ("new", models.CharField(choices=AVAILABILITY, max_length=8)),
                ("actor_automation", models.CharField(blank=True, max_length=100)),
                ("reason", models.CharField(blank=True, max_length=20)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "actor_membership",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "membership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.membership"
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
                "indexes": [models.Index(fields=["tenant", "membership", "created_at"], name="routing_availchg_member")],
            },
        ),
        migrations.CreateModel(
            name="RoundRobinTurn",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "last_member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "queue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tickets.queue"
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
                "constraints": [models.UniqueConstraint(fields=("tenant", "queue"), name="routing_rrturn_queue")],
            },
        ),
        tenancy.migration_ops.TenantSecurity("assignmentdecision"),
        tenancy.migration_ops.TenantSecurity("availabilitychange"),
        tenancy.migration_ops.TenantSecurity("roundrobinturn"),
    ]
