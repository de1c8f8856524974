from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("routing", "0003_assignment")]

    operations = []
