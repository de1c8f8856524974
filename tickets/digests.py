"""Secrets we hand out once and then only recognise (API keys, sign-in links, the inbound mail secret): stored
as their SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches_digest(secret: str, digest: str) -> bool:
    """Whether `secret` is the one `digest` was made from; never true for an empty digest."""
    return bool(digest) and hmac.compare_digest(secret_digest(secret), digest)
