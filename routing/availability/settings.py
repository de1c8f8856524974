"""The tenant's availability rules, an audited setting ("routing.assignment")."""

from __future__ import annotations

from tenancy.actors import require_role
from tenancy.audit import record_config_change, settings_service, snapshot
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, Membership, Tenant
from tenancy.roles import Role

AREA = "routing.assignment"
FIELDS = ("away_after_idle_minutes", "return_after_offline_minutes")
MAX_MINUTES = 7 * 24 * 60  # a week


@settings_service(AREA)
def set_availability_rules(
    *, tenant: Tenant, actor: Membership, away_after_idle_minutes: int, return_after_offline_minutes: int
) -> Tenant:
    """Set after how many idle minutes an online agent is marked away, and after how many offline minutes their
    open tickets return to the queue (0 turns either rule off)."""
    require_role(actor, Role.ADMIN, "Only tenant admins can change the availability rules.")
    for value in (away_after_idle_minutes, return_after_offline_minutes):
        if not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
            raise ServiceError(f"Give minutes from 0 (off) to {MAX_MINUTES} (a week).")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, FIELDS)
    tenant.away_after_idle_minutes = away_after_idle_minutes
    tenant.return_after_offline_minutes = return_after_offline_minutes
    tenant.save(update_fields=list(FIELDS))
    record_config_change(
        actor=actor,
        area=AREA,
        action=ConfigChange.Action.UPDATED,
        target=tenant,
        before=before,
        after=snapshot(tenant, FIELDS),
    )
    return tenant
