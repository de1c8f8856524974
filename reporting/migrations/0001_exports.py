"""Slot: exports and dashboard (issue 17)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_custom_fields"), ("tenancy", "0009_invitations")]

    operations = []
