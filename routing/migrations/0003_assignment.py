"""Slot: assignment strategies (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("routing", "0002_rules"), ("tenancy", "0010_availability")]

    operations = []
