"""Settings → Portal and tickets (admins): the reopen window, the fields the portal's request form requires,
and the welcome text of the portal's home page."""

from __future__ import annotations

from tenancy.actors import require_admin_or_automation
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, Tenant
from tickets.models import PortalSettings

AREA = "tickets.portal"
FIELDS = ("welcome_text", "require_category", "require_phone")
MAX_REOPEN_DAYS = 365
MAX_WELCOME = 2000


@settings_service(AREA)
def update_portal_settings(
    *,
    tenant: Tenant,
    actor: Membership,
    reopen_window_days: int,
    welcome_text: str,
    require_category: bool,
    require_phone: bool,
) -> PortalSettings:
    require_admin_or_automation(actor, "Only tenant admins can change the portal settings.")
    if not 0 <= reopen_window_days <= MAX_REOPEN_DAYS:
        raise ServiceError(f"The reopen window is 0 to {MAX_REOPEN_DAYS} days.")
    welcome_text = (welcome_text or "").strip()
    if len(welcome_text) > MAX_WELCOME:
        raise ServiceError(f"Keep the welcome text under {MAX_WELCOME} characters.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    portal = PortalSettings.objects.select_for_update().first() or PortalSettings()
    before = {**snapshot(portal, FIELDS), "reopen_window_days": tenant.reopen_window_days}
    tenant.reopen_window_days = reopen_window_days
    tenant.save(update_fields=["reopen_window_days"])
    portal.welcome_text, portal.require_category, portal.require_phone = welcome_text, require_category, require_phone
    portal.save()
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=portal,
        label="Portal and tickets",
        before=before,
        after={**snapshot(portal, FIELDS), "reopen_window_days": tenant.reopen_window_days},
    )
    return portal
