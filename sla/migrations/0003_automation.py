"""Slot: auto-resolve and auto-close (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_enforcement")]

    operations = []
