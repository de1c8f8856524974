"""A person's own time zone (blank: each help desk's), for pages and mails (tenancy.times)."""

from django.db import migrations, models

import tenancy.models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0006_job_leases")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="timezone",
            field=models.CharField(
                blank=True, default="", max_length=64, validators=[tenancy.models.validate_timezone]
            ),
        ),
    ]
