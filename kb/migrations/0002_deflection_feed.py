"""Slot: knowledge-base work (issue 18)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = []
