"""IMAP passwords and webhook signing secrets encrypted at rest (tenancy.encryption).

The columns become text (a token is longer than the secret), then every plaintext value is replaced by its token
under the first key of FIELD_ENCRYPTION_KEYS; a value that already decrypts is left alone, so running it again
changes nothing. Without a key: production settings refuse to load, so `migrate` stops before touching a row;
with DEBUG (a development checkout) the key derived from SECRET_KEY is used. Backwards, the tokens are decrypted
again (which needs the key that wrote them).

Raw SQL, one tenant at a time: row-level security is forced on these tables even for their owner, so each
tenant's rows are visible only with `app.tenant_id` set to it (SQLite has no such wall).
"""

from django.db import migrations

from tenancy.migration_ops import each_tenant

import tenancy.encryption

COLUMNS = [("tickets_imapmailbox", "password"), ("tickets_webhook", "secret")]



def _convert(schema_editor, change) -> None:
    connection = schema_editor.connection
    for tenant_id in each_tenant(schema_editor):
        for table, column in COLUMNS:
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT id, "{column}" FROM "{table}" WHERE tenant_id = %s',  # noqa: S608 - names above
                    [tenant_id],
                )
                rows = cursor.fetchall()
                for pk, value in rows:
                    new = change(value or "")
                    if new != value:
                        cursor.execute(
                            f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s AND tenant_id = %s',  # noqa: S608
                            [new, pk, tenant_id],
                        )


def encrypt_plaintext(apps, schema_editor) -> None:
    def change(value: str) -> str:
        if not value or tenancy.encryption.is_encrypted(value):
            return value
        return tenancy.encryption.encrypt(value)

    _convert(schema_editor, change)


def decrypt_tokens(apps, schema_editor) -> None:
    def change(value: str) -> str:
        return tenancy.encryption.decrypt(value) if value and tenancy.encryption.is_encrypted(value) else value

    _convert(schema_editor, change)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_mail_authentication")]

    operations = [
        migrations.AlterField(
            model_name="imapmailbox",
            name="password",
            field=tenancy.encryption.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=tenancy.encryption.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_plaintext, decrypt_tokens, elidable=False),
    ]
