"""Routing rules (issue 14): the draft rules, their published versions, and the decision per routed change."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_skill_requirements"), ("tickets", "0017_routing_fields")]

    operations = [
        migrations.CreateModel(
            name='RuleSetVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('rules', models.JSONField(default=list)),
                ('published_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('published_by_automation', models.CharField(blank=True, max_length=100)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenancy.membership')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
            ],
            options={
                'ordering': ['-number'],
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='RoutingDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entry_id', models.BigIntegerField(blank=True, null=True)),
                ('trigger', models.CharField(choices=[('created', 'New ticket'), ('updated', 'Ticket changed'), ('rerun', 'Re-run by an admin')], default='created', max_length=10)),
                ('matched', models.JSONField(blank=True, default=list)),
                ('applied', models.JSONField(blank=True, default=list)),
                ('skipped', models.JSONField(blank=True, default=list)),
                ('assign', models.CharField(default='none', max_length=10)),
                ('replay', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenancy.membership')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='routing_decisions', to='tickets.ticket')),
                ('version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='routing.rulesetversion')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'objects',
            },
        ),
        migrations.CreateModel(
            name='Rule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('position', models.PositiveIntegerField(default=0)),
                ('is_active', models.BooleanField(default=True)),
                ('match', models.CharField(choices=[('all', 'all conditions'), ('any', 'any condition')], default='all', max_length=3)),
                ('conditions', models.JSONField(blank=True, default=list)),
                ('actions', models.JSONField(default=list)),
                ('stop_processing', models.BooleanField(default=False)),
                ('on_update', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
            ],
            options={
                'ordering': ['position', 'id'],
                'abstract': False,
                'base_manager_name': 'objects',
                'indexes': [models.Index(fields=['tenant', 'position', 'id'], name='routing_rule_order')],
            },
        ),
        migrations.AddConstraint(
            model_name='rulesetversion',
            constraint=models.UniqueConstraint(fields=('tenant', 'number'), name='routing_version_number'),
        ),
        migrations.AddIndex(
            model_name='routingdecision',
            index=models.Index(fields=['tenant', 'ticket', 'created_at', 'id'], name='routing_decision_ticket'),
        ),
        migrations.AddConstraint(
            model_name='routingdecision',
            constraint=models.UniqueConstraint(condition=models.Q(('entry_id__isnull', False)), fields=('tenant', 'entry_id'), name='routing_decision_once_per_entry'),
        ),
        tenancy.migration_ops.TenantSecurity("rule"),
        tenancy.migration_ops.TenantSecurity("rulesetversion"),
        tenancy.migration_ops.TenantSecurity("routingdecision"),
    ]
