"""Slot: reports and subscriptions (issue 17)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_exports"), ("tickets", "0019_reporting_indexes")]

    operations = []
