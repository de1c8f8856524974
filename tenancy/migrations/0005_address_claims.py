"""The platform's claims table for support addresses (tenancy.AddressClaim): one tenant per address.

Its rows are filled from the existing support addresses by tickets 0010_support_address_claims, which also says
how addresses that several tenants had registered are resolved.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0004_platform_role")]

    operations = [
        migrations.CreateModel(
            name="AddressClaim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, unique=True)),
                ("verified_at", models.DateTimeField(blank=True, null=True)),
                ("verification_token_hash", models.CharField(blank=True, max_length=64)),
                ("verification_sent_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="address_claims",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                        name="addressclaim_email_lowercase",
                    )
                ],
            },
        ),
    ]
