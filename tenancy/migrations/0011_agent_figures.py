from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0010_availability")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="agents_see_own_figures",
            field=models.BooleanField(
                default=True,
                help_text="On: agents have a dashboard of their own load and due tickets; off: supervisors only.",
            ),
        ),
    ]
