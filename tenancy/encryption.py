"""Secrets at rest: a model field whose column holds a Fernet token, never the secret itself.

IMAP passwords and webhook signing secrets must be sent or used as they are, so they cannot be hashed; a copy
of the database (a backup, a read replica, an injection that reads a table) must still not hand them out. The
keys come from the environment (FIELD_ENCRYPTION_KEYS, never the database): the first encrypts, every one
decrypts, so a key is rotated by putting the new one first, running `manage.py reencrypt_secrets`, and then
dropping the old one. Fernet is authenticated encryption (AES-128-CBC and HMAC-SHA256): a changed token fails
to decrypt instead of yielding something else.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class SecretUnreadable(RuntimeError):
    """A stored secret that none of the configured keys decrypts (the key that wrote it was removed)."""


def configured_keys() -> tuple[str, ...]:
    """The keys in order (newest first). With DEBUG and none configured, one derived from SECRET_KEY, so a
    development checkout runs without setup; production settings refuse to start without real keys."""
    keys = tuple(key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip())
    if keys:
        return keys
    if not settings.DEBUG:
        raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (see .env.example).")
    digest = hashlib.sha256(b"tessera-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return (base64.urlsafe_b64encode(digest).decode(),)


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as bad:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key.") from bad


def encrypt(plaintext: str) -> str:
    return _fernet(configured_keys()).encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken as unreadable:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: was the key that encrypted it removed?"
        ) from unreadable


def is_encrypted(value: str) -> bool:
    """Whether a column value is a token the configured keys decrypt (the migration skips those)."""
    try:
        decrypt(value)
    except SecretUnreadable:
        return False
    return True


class EncryptedTextField(models.TextField):
    """Text kept encrypted in its column; the model attribute holds the plaintext. An empty value stays empty.

    Never filter on it: encryption is randomised, so equal secrets have different tokens.
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) stored encrypted, for the re-encryption command."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def reencrypt_all() -> int:
    """Write every encrypted value again under the first (newest) key; return how many were written.

    The rotation step: afterwards no row needs an older key. One tenant at a time, each in its own transaction
    (row-level security shows a tenant's rows only in its own scope). Raises SecretUnreadable if a value cannot
    be decrypted, before the tenant it belongs to is changed.
    """
    from django.db import transaction

    from tenancy.context import tenant_context
    from tenancy.models import Tenant

    written = 0
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        with tenant_context(tenant_id), transaction.atomic():
            for model, field in encrypted_fields():
                for pk, plaintext in list(model.objects.exclude(**{field: ""}).values_list("pk", field)):
                    model.objects.filter(pk=pk).update(**{field: plaintext})
                    written += 1
    return written
