"""IMAP passwords and webhook signing secrets are stored as Fernet tokens (tenancy.encryption): the raw column never
holds the secret, the application still reads it, key rotation re-encrypts every row, and the migration converts
rows written before. Signing and IMAP sign-in with the decrypted values: test_webhooks.py, test_imap_polling.py."""

from __future__ import annotations

import base64
import importlib
import io
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection

from tenancy.context import tenant_context
from tenancy.encryption import SecretUnreadable
from tests.tickets.factories import ImapMailboxFactory, WebhookFactory
from tickets.models import ImapMailbox, Webhook
from tickets.services import imap_mailboxes, webhooks
from tickets.webhooks import events

OLD_KEY = base64.urlsafe_b64encode(b"old-field-encryption-key-0123456").decode()
NEW_KEY = base64.urlsafe_b64encode(b"new-field-encryption-key-0123456").decode()

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    """The column as stored, past the model field (what a backup or an SQL injection would read)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def _set_raw(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, pk])


def test_secrets_saved_by_the_services_are_not_stored_in_plaintext(tenant, admin):
    # given
    with tenant_context(tenant):
        mailbox = imap_mailboxes.add_imap_mailbox(
            actor=admin, host="imap.example.com", port=993, use_ssl=True, username="help@acme.example",
            password="hunter2-imap-password",
        )  # fmt: skip
        webhook = webhooks.create_webhook(
            actor=admin, url="https://hooks.example.com/in", events=[events.TICKET_CREATED]
        )

        # when the columns are read raw
        raw_password = _raw("tickets_imapmailbox", "password", mailbox.pk)
        raw_secret = _raw("tickets_webhook", "secret", webhook.pk)

        # then neither holds the secret, and the application reads both back
        assert "hunter2" not in raw_password and raw_password.startswith("gAAAAA")
        assert webhook.secret not in raw_secret and raw_secret.startswith("gAAAAA")
        assert ImapMailbox.objects.get(pk=mailbox.pk).password == "hunter2-imap-password"
        assert Webhook.objects.get(pk=webhook.pk).secret == webhook.secret


def test_the_same_secret_encrypts_differently_each_time(tenant):
    # given two mailboxes with one password
    with tenant_context(tenant):
        first, second = (
            ImapMailboxFactory(tenant=tenant, password="same"),
            ImapMailboxFactory(tenant=tenant, password="same"),
        )

        # then their tokens differ (equal secrets cannot be spotted in a dump)
        assert _raw("tickets_imapmailbox", "password", first.pk) != _raw("tickets_imapmailbox", "password", second.pk)


def test_rotation_re_encrypts_every_tenants_secrets_with_the_newest_key(tenant, other_tenant, settings):
    # given secrets in two tenants, written under the old key
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with tenant_context(tenant):
        mailbox = ImapMailboxFactory(tenant=tenant, password="acme-imap")
    with tenant_context(other_tenant):
        webhook = WebhookFactory(tenant=other_tenant, secret="globex-signing-secret")

    # when a new key is put first and the rotation command runs
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("reencrypt_secrets", stdout=io.StringIO())

    # then every token opens with the new key alone, and the old key can go
    with tenant_context(tenant):
        token = _raw("tickets_imapmailbox", "password", mailbox.pk)
    with tenant_context(other_tenant):
        other_token = _raw("tickets_webhook", "secret", webhook.pk)
    assert Fernet(NEW_KEY).decrypt(token.encode()) == b"acme-imap"
    assert Fernet(NEW_KEY).decrypt(other_token.encode()) == b"globex-signing-secret"
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(token.encode())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with tenant_context(tenant):
        assert ImapMailbox.objects.get(pk=mailbox.pk).password == "acme-imap"
    with tenant_context(other_tenant):
        assert Webhook.objects.get(pk=webhook.pk).secret == "globex-signing-secret"


def test_a_secret_no_configured_key_opens_is_an_error_not_garbage(tenant, settings):
    # given a secret written under a key that was then removed
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with tenant_context(tenant):
        ImapMailboxFactory(tenant=tenant, password="lost")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    # when / then: reading it and rotating both say so
    with tenant_context(tenant), pytest.raises(SecretUnreadable, match="FIELD_ENCRYPTION_KEYS"):
        list(ImapMailbox.objects.all())
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("reencrypt_secrets")


def test_the_migration_encrypts_rows_stored_in_plaintext_and_leaves_tokens_alone(tenant, other_tenant):
    # given rows as the old code stored them (plaintext), in two tenants, and one already encrypted
    migration = importlib.import_module("tickets.migrations.0009_secrets_at_rest")
    with tenant_context(tenant):
        mailbox = ImapMailboxFactory(tenant=tenant)
        _set_raw("tickets_imapmailbox", "password", mailbox.pk, "plain-imap-password")
        encrypted = WebhookFactory(tenant=tenant, secret="already-encrypted")
        token = _raw("tickets_webhook", "secret", encrypted.pk)
    with tenant_context(other_tenant):
        webhook = WebhookFactory(tenant=other_tenant)
        _set_raw("tickets_webhook", "secret", webhook.pk, "plain-webhook-secret")

    # when the migration's data step runs (as `migrate` runs it: no tenant in scope)
    migration.encrypt_plaintext(None, SimpleNamespace(connection=connection))

    # then the plaintext is gone, the application reads the same values, and the token was not touched
    with tenant_context(tenant):
        assert "plain" not in _raw("tickets_imapmailbox", "password", mailbox.pk)
        assert ImapMailbox.objects.get(pk=mailbox.pk).password == "plain-imap-password"
        assert _raw("tickets_webhook", "secret", encrypted.pk) == token
    with tenant_context(other_tenant):
        assert "plain" not in _raw("tickets_webhook", "secret", webhook.pk)
        assert Webhook.objects.get(pk=webhook.pk).secret == "plain-webhook-secret"
