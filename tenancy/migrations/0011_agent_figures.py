from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0010_availability")]

    operations = []
