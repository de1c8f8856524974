"""Routing's fields on tickets (issue 14): the support address a mailed request came to, for routing rules."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_custom_fields")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="received_address",
            field=models.CharField(blank=True, default="", max_length=254),
        ),
    ]
