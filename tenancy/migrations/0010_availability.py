"""Slot: availability settings and state (issue 14): when a member's availability last changed and when they last
used the desk; the tenant's idle-to-away and offline-return times (routing.availability)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0009_invitations")]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="availability_changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="membership",
            name="last_active_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="tenant",
            name="away_after_idle_minutes",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="tenant",
            name="return_after_offline_minutes",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
