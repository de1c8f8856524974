"""Email preferences per notification kind in one JSON column instead of a boolean column per kind.

NotificationSetting.email maps a kind's key (tickets.notification_kinds) to whether it is mailed; the four
email_* columns are copied into it, every value kept explicitly (a member who saved a row chose each one), then
dropped. Notification.kind loses its choices: the registry, not the schema, says which kinds exist, so a kind an
app registers later needs no migration. Backwards, the columns come back (default on) and take the stored values.

Raw SQL, one tenant at a time, as in 0009: row-level security is forced on the table even for its owner, so each
tenant's rows are visible only with `app.tenant_id` set to it (SQLite has no such wall).
"""

import json

from django.db import migrations, models

from tenancy.migration_ops import each_tenant

# The columns as they were in 0002, and the kind each one was for (frozen here: the registry may change).
COLUMNS = {
    "email_assigned": "assigned",
    "email_mention": "mention",
    "email_customer_reply": "customer_reply",
    "email_reopened": "reopened",
}
TABLE = "tickets_notificationsetting"



def columns_to_json(apps, schema_editor) -> None:
    connection = schema_editor.connection
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    names = ", ".join(f'"{column}"' for column in COLUMNS)
    for tenant_id in each_tenant(schema_editor):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id, {names} FROM "{TABLE}" WHERE tenant_id = %s', [tenant_id])  # noqa: S608
            for pk, *values in cursor.fetchall():
                email = {kind: bool(value) for kind, value in zip(COLUMNS.values(), values, strict=True)}
                cursor.execute(
                    f'UPDATE "{TABLE}" SET "email" = %s{cast} WHERE id = %s AND tenant_id = %s',  # noqa: S608
                    [json.dumps(email), pk, tenant_id],
                )


def json_to_columns(apps, schema_editor) -> None:
    connection = schema_editor.connection
    for tenant_id in each_tenant(schema_editor):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id, "email" FROM "{TABLE}" WHERE tenant_id = %s', [tenant_id])  # noqa: S608
            for pk, email in cursor.fetchall():
                email = json.loads(email) if isinstance(email, str) else (email or {})
                assignments = ", ".join(f'"{column}" = %s' for column in COLUMNS)
                cursor.execute(
                    f'UPDATE "{TABLE}" SET {assignments} WHERE id = %s AND tenant_id = %s',  # noqa: S608
                    [email.get(kind, True) is not False for kind in COLUMNS.values()] + [pk, tenant_id],
                )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_change_feed")]

    operations = [
        migrations.AddField(
            model_name="notificationsetting",
            name="email",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(columns_to_json, json_to_columns, elidable=False),
        migrations.RemoveField(model_name="notificationsetting", name="email_assigned"),
        migrations.RemoveField(model_name="notificationsetting", name="email_customer_reply"),
        migrations.RemoveField(model_name="notificationsetting", name="email_mention"),
        migrations.RemoveField(model_name="notificationsetting", name="email_reopened"),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(max_length=20),
        ),
    ]
