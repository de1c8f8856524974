from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0004_platform_role")]

    operations = []
