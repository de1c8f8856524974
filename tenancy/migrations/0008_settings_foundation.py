"""Reserved slot: filled by the branch that owns it this session."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0007_time_zones")]

    operations = []
