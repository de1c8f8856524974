"""Deployment checks (`manage.py check --deploy`) for the mail intake."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_authserv_ids(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production names the receiving host whose Authentication-Results it believes. Without one no inbound
    mail is authenticated: every customer's emailed reply is held for an admin instead of joining its ticket."""
    from tickets.mail.authentication import parse_authserv_ids

    configured = getattr(settings, "MAIL_TRUSTED_AUTHSERV_IDS", [])
    if not configured:
        return [
            checks.Error(
                "MAIL_TRUSTED_AUTHSERV_IDS is empty: no inbound mail can be authenticated, so every emailed reply "
                "is held for review instead of joining its conversation.",
                hint="Set MAIL_TRUSTED_AUTHSERV_IDS to the authserv-id your receiving mail host writes into "
                "Authentication-Results (e.g. mx.google.com, or your MTA's host name); see README, “Mail "
                "authentication”.",
                id="tickets.E001",
            )
        ]
    try:
        parse_authserv_ids(",".join(configured))
    except ValueError as invalid:
        return [checks.Error(f"MAIL_TRUSTED_AUTHSERV_IDS: {invalid}", id="tickets.E002")]
    return []
