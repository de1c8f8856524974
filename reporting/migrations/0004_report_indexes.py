from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_dashboard")]

    operations = []
