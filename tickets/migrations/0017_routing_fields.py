"""Slot: routing's fields on tickets (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_custom_fields")]

    operations = []
