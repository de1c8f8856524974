"""Slot: sweep, ladder, notifications (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = []
