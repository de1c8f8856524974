from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_secrets_at_rest"), ("tenancy", "0005_address_claims")]

    operations = []
