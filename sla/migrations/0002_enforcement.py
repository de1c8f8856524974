"""Slot: sweep, ladder, notifications (issue 16): what the sweep recorded on each target, the alerts, the
escalation ladder and its runs."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("tickets", "0016_custom_fields"), ("tenancy", "0009_invitations")]

    operations = [
        migrations.AddField(
            model_name="slatarget",
            name="breached_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="history_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="warned_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="LadderStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "target_kind",
                    models.CharField(
                        choices=[
                            ("first_response", "First response"),
                            ("next_update", "Next update"),
                            ("resolution", "Resolution"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "trigger",
                    models.CharField(
                        choices=[("warning", "At the warning"), ("breach", "At the breach")], max_length=10
                    ),
                ),
                ("after_hours", models.PositiveSmallIntegerField(default=0)),
                ("notify_members", models.JSONField(blank=True, default=list)),
                ("notify_teams", models.JSONField(blank=True, default=list)),
                ("raise_priority_to", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("raise_tier_to", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "move_to_queue",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tickets.queue",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ladder_steps",
                        to="sla.slapolicy",
                    ),
                ),
                (
                    "reassign_to",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
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
                "ordering": ["policy_id", "target_kind", "-trigger", "after_hours", "id"],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="LadderRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("run_started_at", models.DateTimeField()),
                ("due_at", models.DateTimeField()),
                ("ran_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("outcome", models.CharField(blank=True, max_length=255)),
                (
                    "target",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sla.slatarget",
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
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
                (
                    "step",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sla.ladderstep",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="SlaAlert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "target_kind",
                    models.CharField(
                        choices=[
                            ("first_response", "First response"),
                            ("next_update", "Next update"),
                            ("resolution", "Resolution"),
                        ],
                        max_length=20,
                    ),
                ),
                ("kind", models.CharField(choices=[("warning", "Warning"), ("breach", "Breach")], max_length=10)),
                ("run_started_at", models.DateTimeField()),
                ("at", models.DateTimeField()),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("notified", models.BooleanField(default=True)),
                (
                    "target",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sla.slatarget",
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
            },
        ),
        migrations.AddConstraint(
            model_name="ladderstep",
            constraint=models.UniqueConstraint(
                fields=("tenant", "policy", "target_kind", "trigger", "after_hours"), name="sla_ladderstep_once"
            ),
        ),
        migrations.AddIndex(
            model_name="ladderrun",
            index=models.Index(fields=["tenant", "ticket"], name="sla_ladderrun_ticket"),
        ),
        migrations.AddConstraint(
            model_name="ladderrun",
            constraint=models.UniqueConstraint(
                fields=("tenant", "target", "step", "run_started_at"), name="sla_ladderrun_once_per_run"
            ),
        ),
        migrations.AddIndex(
            model_name="slaalert",
            index=models.Index(fields=["tenant", "ticket"], name="sla_alert_ticket"),
        ),
        migrations.AddIndex(
            model_name="slaalert",
            index=models.Index(fields=["tenant", "kind", "at"], name="sla_alert_kind_at"),
        ),
        migrations.AddConstraint(
            model_name="slaalert",
            constraint=models.UniqueConstraint(
                fields=("tenant", "target", "kind", "run_started_at"), name="sla_alert_once_per_run"
            ),
        ),
        tenancy.migration_ops.TenantSecurity("slaalert"),
        tenancy.migration_ops.TenantSecurity("ladderstep"),
        tenancy.migration_ops.TenantSecurity("ladderrun"),
    ]
