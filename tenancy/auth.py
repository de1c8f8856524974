"""Sign-in helpers."""

from tenancy.models import normalize_email


def throttle_username(request, credentials=None) -> str:
    """The account django-axes counts failures against: the normalised email, so "AGENT@x" counts as "agent@x"."""
    source = credentials if credentials else getattr(request, "POST", {})
    return normalize_email(source.get("username") or "")
