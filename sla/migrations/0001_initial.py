"""SLA (issue 15): calendars with holidays, versioned policies, targets per ticket and their clock log."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import sla.models
import tenancy.migration_ops


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tickets", "0016_custom_fields"), ("tenancy", "0009_invitations")]

    operations = [
        migrations.CreateModel(
            name='Calendar',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('time_zone', models.CharField(default='UTC', max_length=64)),
                ('hours', models.JSONField(default=sla.models.always_hours)),
                ('holiday_country', models.CharField(blank=True, max_length=3)),
                ('holiday_subdivision', models.CharField(blank=True, max_length=10)),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
            ],
            options={
                'ordering': ['name'],
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='CalendarHoliday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('name', models.CharField(blank=True, max_length=100)),
                ('recurring', models.BooleanField(default=False)),
                ('calendar', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='sla.calendar')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
            ],
            options={
                'ordering': ['day'],
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='ClockEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target_kind', models.CharField(choices=[('first_response', 'First response'), ('next_update', 'Next update'), ('resolution', 'Resolution')], max_length=20)),
                ('action', models.CharField(choices=[('started', 'started'), ('paused', 'paused'), ('resumed', 'resumed'), ('due_changed', 'due changed'), ('met', 'met'), ('breached', 'met late'), ('cancelled', 'cancelled')], max_length=12)),
                ('at', models.DateTimeField()),
                ('due_at', models.DateTimeField(blank=True, null=True)),
                ('reason', models.CharField(blank=True, max_length=255)),
                ('source_event_id', models.BigIntegerField(blank=True, null=True)),
                ('position', models.PositiveIntegerField(default=0)),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tickets.ticket')),
            ],
            options={
                'ordering': ['at', 'position', 'id'],
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('position', models.PositiveIntegerField(default=0)),
                ('is_default', models.BooleanField(default=False)),
                ('conditions', models.JSONField(blank=True, default=dict)),
                ('targets', models.JSONField(blank=True, default=dict)),
                ('warn_percent', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('warn_minutes_before', models.PositiveIntegerField(blank=True, null=True)),
                ('pause_on_hold', models.BooleanField(default=False)),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('calendar', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='policies', to='sla.calendar')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
            ],
            options={
                'ordering': ['position', 'id'],
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='ReapplyJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('total', models.PositiveIntegerField(default=0)),
                ('done', models.PositiveIntegerField(default=0)),
                ('last_target_id', models.BigIntegerField(default=0)),
                ('error', models.CharField(blank=True, max_length=255)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenancy.membership')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('policy', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sla.slapolicy')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('targets', models.JSONField(default=dict)),
                ('warn_percent', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('warn_minutes_before', models.PositiveIntegerField(blank=True, null=True)),
                ('pause_on_hold', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('calendar', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sla.calendar')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('policy', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='sla.slapolicy')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='SlaTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('first_response', 'First response'), ('next_update', 'Next update'), ('resolution', 'Resolution')], max_length=20)),
                ('policy_version', models.PositiveIntegerField()),
                ('business', models.BooleanField(default=True)),
                ('goal_seconds', models.PositiveIntegerField()),
                ('state', models.CharField(choices=[('running', 'Running'), ('paused', 'Paused'), ('met', 'Met'), ('breached', 'Breached'), ('cancelled', 'Cancelled')], max_length=10)),
                ('started_at', models.DateTimeField()),
                ('run_started_at', models.DateTimeField()),
                ('used_seconds', models.FloatField(default=0)),
                ('remaining_seconds', models.FloatField(blank=True, null=True)),
                ('due_at', models.DateTimeField(blank=True, null=True)),
                ('warn_at', models.DateTimeField(blank=True, null=True)),
                ('met_at', models.DateTimeField(blank=True, null=True)),
                ('seconds_to_met', models.PositiveIntegerField(blank=True, null=True)),
                ('next_check_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('calendar', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sla.calendar')),
                ('policy', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sla.slapolicy')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tickets.ticket')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.AddConstraint(
            model_name='calendar',
            constraint=models.UniqueConstraint(fields=('tenant', 'name'), name='sla_calendar_tenant_name'),
        ),
        migrations.AddConstraint(
            model_name='calendarholiday',
            constraint=models.UniqueConstraint(fields=('tenant', 'calendar', 'day'), name='sla_holiday_once_per_day'),
        ),
        migrations.AddIndex(
            model_name='clockevent',
            index=models.Index(fields=['tenant', 'ticket', 'at', 'position'], name='sla_clockevent_ticket'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(fields=('tenant', 'name'), name='sla_policy_tenant_name'),
        ),
        migrations.AddConstraint(
            model_name='slapolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('tenant',), name='sla_policy_one_default'),
        ),
        migrations.AddIndex(
            model_name='reapplyjob',
            index=models.Index(fields=['tenant', 'policy', '-created_at'], name='sla_reapplyjob_policy'),
        ),
        migrations.AddConstraint(
            model_name='policyversion',
            constraint=models.UniqueConstraint(fields=('tenant', 'policy', 'version'), name='sla_policyversion_once'),
        ),
        migrations.AddIndex(
            model_name='slatarget',
            index=models.Index(condition=models.Q(('state', 'running')), fields=['tenant', 'next_check_at'], name='sla_target_next_check'),
        ),
        migrations.AddIndex(
            model_name='slatarget',
            index=models.Index(fields=['tenant', 'policy', 'state'], name='sla_target_policy_state'),
        ),
        migrations.AddConstraint(
            model_name='slatarget',
            constraint=models.UniqueConstraint(fields=('tenant', 'ticket', 'kind'), name='sla_target_one_per_kind'),
        ),
        tenancy.migration_ops.TenantSecurity("calendar"),
        tenancy.migration_ops.TenantSecurity("calendarholiday"),
        tenancy.migration_ops.TenantSecurity("slapolicy"),
        tenancy.migration_ops.TenantSecurity("policyversion"),
        tenancy.migration_ops.TenantSecurity("slatarget"),
        tenancy.migration_ops.TenantSecurity("clockevent"),
        tenancy.migration_ops.TenantSecurity("reapplyjob"),
    ]
