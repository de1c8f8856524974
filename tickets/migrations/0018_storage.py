"""Slot: storage work (issue 21)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0017_routing_fields")]

    operations = []
