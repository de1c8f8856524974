from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_automation")]

    operations = []
