"""Slot: the indexes reporting needs (issue 17)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_storage")]

    operations = []
