from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0003_tenant_allowed_attachment_kinds")]

    operations = []
