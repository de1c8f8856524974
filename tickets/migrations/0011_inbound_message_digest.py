"""A Message-ID seen again is the same message only when its content digest matches too (issue 19): broken
mailers give two different messages one id, and the second was folded into the first as a duplicate.

The constraint keeps its name and tenant_id leading it; rows stored before have an empty digest, and the intake
treats such a row as a match on its Message-ID alone (what it was), so no old duplicate comes back as new.
The new source "import" marks history read from an mbox or Maildir (never answered, outside the per-sender cap).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_support_address_claims"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="inboundemail",
            name="inboundemail_once",
        ),
        migrations.AddField(
            model_name="inboundemail",
            name="content_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="source",
            field=models.CharField(
                choices=[
                    ("http", "HTTP endpoint"),
                    ("command", "ingest_email"),
                    ("imap", "IMAP"),
                    ("import", "Imported history"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="inboundemail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("email_message_id", ""), _negated=True),
                fields=("tenant", "email_message_id", "content_digest"),
                name="inboundemail_once",
            ),
        ),
    ]
