"""Routing (issue 14): the skills a ticket requires, set by rules and read by skill-based assignment."""

import django.db.models.deletion
from django.db import migrations, models

import tenancy.migration_ops


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenancy', '0009_invitations'),
        ('tickets', '0016_custom_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketSkillRequirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('skill', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ticket_requirements', to='tenancy.skill')),
                ('tenant', models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='skill_requirements', to='tickets.ticket')),
            ],
            options={
                'abstract': False,
                'base_manager_name': 'objects',
                'indexes': [models.Index(fields=['tenant', 'skill'], name='routing_skillreq_by_skill')],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'ticket', 'skill'), name='routing_skillreq_once')],
            },
        ),
        tenancy.migration_ops.TenantSecurity("ticketskillrequirement"),
    ]
