from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_webhook_retry_sweep_index")]

    operations = []
