"""Slot: availability settings and state (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0009_invitations")]

    operations = []
