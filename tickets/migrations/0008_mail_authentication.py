from django.db import migrations, models


class Migration(migrations.Migration):
    """Mail authentication: the verdict kept on each received mail, and the trusted authserv-id overrides per
    support address, IMAP mailbox and HTTP endpoint (empty: the platform's MAIL_TRUSTED_AUTHSERV_IDS).
    Mail received before this has authenticated=False: if it is ever processed again it is held, never joined."""

    dependencies = [("tickets", "0007_webhook_retry_sweep_index")]

    operations = [
        migrations.AddField(
            model_name="imapmailbox",
            name="trusted_authserv_ids",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="inboundemail",
            name="authenticated",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="inboundemail",
            name="authentication",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="mailsettings",
            name="trusted_authserv_ids",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="supportaddress",
            name="trusted_authserv_ids",
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
