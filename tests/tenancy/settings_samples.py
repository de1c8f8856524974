"""One real change per settings service, keyed by the service's dotted name in tenancy.audit's registry.

tests/tenancy/test_config_audit.py runs each and counts the audit rows it writes; a settings service declared
without a sample here fails that test, so every new settings page is proved to be audited."""

from __future__ import annotations

from collections.abc import Callable

from tenancy import services as tenancy_services
from tenancy.models import Membership, Tenant
from tickets.services import attachments


def _branding(tenant: Tenant, admin: Membership) -> str:
    tenancy_services.update_branding(tenant=tenant, actor=admin, display_name="Acme Help", accent_colour="#1D4ED8")
    return "display_name"


def _attachments(tenant: Tenant, admin: Membership) -> str:
    attachments.set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images", "pdf"])
    return "max_attachment_mb"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
}
