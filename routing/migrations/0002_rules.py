"""Slot: routing rules, versions, decisions (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_skill_requirements"), ("tickets", "0017_routing_fields")]

    operations = []
