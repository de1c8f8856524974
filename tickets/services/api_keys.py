"""API keys: created and revoked by tenant admins, shown once, kept only as a SHA-256.

A key reads "tsk_<prefix>_<secret>": the prefix (hex, public) finds the row inside the tenant of the request
host, the secret (secrets.token_urlsafe(32), 256 bits) is checked against the stored hash in constant time.
A key acts with its own role, never above the role of the admin who created it. Creating and revoking one are
settings services of "tickets.api_keys": the audit names the key by its public prefix, never its secret.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy.audit import HIDDEN, record_config_change, settings_service, snapshot
from tenancy.models import ConfigChange, Membership
from tenancy.roles import Role
from tickets.digests import secret_digest
from tickets.models import ApiKey
from tickets.services.events import ServiceError, require_role

KEY_PREFIX = "tsk_"
PREFIX_BYTES = 6  # 12 hex characters: enough to find the row, never enough to guess the key
LAST_USED_EVERY = timedelta(minutes=1)
MAX_NAME = 100
AREA = "tickets.api_keys"
KEY_FIELDS = ("name", "prefix", "role")


def split_key(plaintext: str) -> tuple[str, str] | None:
    """("<prefix>", "<secret>") of a well-formed key, else None."""
    if not plaintext.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = plaintext.removeprefix(KEY_PREFIX).partition("_")
    if len(prefix) != 2 * PREFIX_BYTES or not secret or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix, secret


@settings_service(AREA)
def create_api_key(*, actor: Membership, name: str, role: str) -> tuple[ApiKey, str]:
    """Create a key for the tenant in scope and return it with its plaintext, which is never stored or shown
    again. Only admins create keys, and a key's role never exceeds its creator's."""
    require_role(actor, Role.ADMIN, "Only admins can create API keys.")
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise ServiceError("Give the key a name, e.g. the integration that will use it.")
    if role not in {value for value, _ in ApiKey.ROLES}:
        raise ServiceError("A key's role is agent, supervisor or admin.")
    if not Role(actor.role).at_least(role):
        raise ServiceError("A key cannot have a higher role than yours.")
    for _ in range(3):
        prefix = secrets.token_hex(PREFIX_BYTES)
        plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name, prefix=prefix, key_hash=secret_digest(plaintext), role=role, created_by=actor
                )
        except IntegrityError:  # the same prefix twice in one tenant: draw again
            continue
        record_config_change(
            actor=actor,
            area=AREA,
            action=ConfigChange.Action.CREATED,
            target=key,
            after={**snapshot(key, KEY_FIELDS), "key": HIDDEN},
        )
        return key, plaintext
    raise ServiceError("Could not create a key; try again.")


@settings_service(AREA)
def revoke_api_key(*, actor: Membership, key: ApiKey) -> ApiKey:
    """Revoke a key for good (revoking twice changes nothing, and records nothing). Requests with it are refused
    from now on."""
    require_role(actor, Role.ADMIN, "Only admins can revoke API keys.")
    if key.revoked_at is None:
        revoked_at = timezone.now()
        if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=revoked_at):
            key.revoked_at = revoked_at
            record_config_change(
                actor=actor,
                area=AREA,
                action=ConfigChange.Action.ARCHIVED,
                target=key,
                before={"revoked_at": None},
                after={"revoked_at": revoked_at},
            )
        else:  # a colleague revoked it a moment ago
            key.refresh_from_db(fields=["revoked_at"])
    return key


def touch_api_key(key: ApiKey) -> None:
    """Record when the key was last used, at most once a minute (no write on most requests)."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
