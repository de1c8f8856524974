"""Hand-over from the platform's help-desk picker to a tenant host: a single-use, short-lived signed token.

Sessions are bound to the host they were made on (tenancy.middleware.SessionBindingMiddleware), so the picker
cannot simply link to a tenant host and expect the person to be signed in there. It sends them with a token
signed with SECRET_KEY that names the user, the tenant and a random nonce, good for HANDOVER_SECONDS. The
tenant host shows who is about to be signed in (a GET, which link prefetchers and scanners may fetch, spends
nothing) and a button whose POST spends the token and signs in.

Single use rests on `cache.add` of the nonce, which is atomic where it matters: Redis `SET NX` in production,
and an INSERT on the cache table's primary key in the demo's database cache. The entry outlives the token
(expiry is checked from the signature), so eviction can at worst shorten nothing; no table or migration is
needed for a value that matters for one minute.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache

from tenancy.models import Membership, Tenant, User

HANDOVER_SECONDS = 60
_SALT = "tenancy.handover"


class InvalidHandover(Exception):
    """A hand-over token that is forged, another help desk's, expired or already used."""


def issue_handover_token(*, user: User, tenant: Tenant) -> str:
    """A token that signs `user` in on `tenant`'s host once, within HANDOVER_SECONDS. The caller has checked
    that the user is an active member of `tenant`; spending checks it again."""
    payload = {"u": user.pk, "t": tenant.pk, "n": secrets.token_urlsafe(16)}
    return signing.dumps(payload, salt=_SALT)


def check_handover_token(*, token: str, tenant: Tenant) -> User:
    """The user `token` would sign in on `tenant` (the tenant in scope); read only, spends nothing."""
    return _user(_payload(token=token, tenant=tenant))


def spend_handover_token(*, token: str, tenant: Tenant) -> User:
    """Spend `token` on `tenant` (the tenant in scope) and return the user to sign in; refuse a replay."""
    payload = _payload(token=token, tenant=tenant)
    user = _user(payload)
    # Kept past the token's own lifetime so no race between expiry and eviction reopens it.
    if not cache.add(f"handover:{payload['n']}", 1, timeout=HANDOVER_SECONDS * 2):
        raise InvalidHandover("This link has already been used. Go back to the list of help desks and open it again.")
    return user


def _payload(*, token: str, tenant: Tenant) -> dict:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=HANDOVER_SECONDS)
    except signing.SignatureExpired as error:
        raise InvalidHandover("This link has expired. Go back to the list of help desks and open it again.") from error
    except signing.BadSignature as error:
        raise InvalidHandover("This link is not valid. Go back to the list of help desks and open it again.") from error
    if not isinstance(payload, dict) or payload.get("t") != tenant.pk or not payload.get("n"):
        raise InvalidHandover("This link is for another help desk.")
    return payload


def _user(payload: dict) -> User:
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or not Membership.objects.filter(user=user, is_active=True).exists():
        raise InvalidHandover("You are not a member of this help desk.")
    return user
