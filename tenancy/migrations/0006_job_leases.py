"""The platform's job leases (tenancy.JobLease): one row per periodic job name, so a job never overlaps itself."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0005_address_claims")]

    operations = [
        migrations.CreateModel(
            name="JobLease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("holder", models.CharField(blank=True, max_length=200)),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
    ]
