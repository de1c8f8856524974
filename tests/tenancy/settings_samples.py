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


def _sla_calendar(tenant: Tenant) -> object:
    from sla.models import Calendar

    return Calendar.objects.create(name="Sample hours", time_zone="Europe/Berlin")


def _sla_create_calendar(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.create_calendar(actor=admin, name="EMEA", time_zone="Europe/Berlin", hours=[[[480, 1080]]] * 7)
    return "time_zone"


def _sla_update_calendar(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    calendar = _sla_calendar(tenant)
    sla_services.update_calendar(
        actor=admin, calendar=calendar, name=calendar.name, time_zone="Europe/Berlin", hours=[[[480, 1080]]] * 7
    )
    return "hours"


def _sla_add_holiday(tenant: Tenant, admin: Membership) -> str:
    import datetime

    from sla import services as sla_services

    calendar = _sla_calendar(tenant)
    sla_services.add_holiday(actor=admin, calendar=calendar, day=datetime.date(2030, 12, 24), recurring=True)
    return "holidays"


def _sla_remove_holiday(tenant: Tenant, admin: Membership) -> str:
    import datetime

    from sla import services as sla_services
    from sla.models import CalendarHoliday

    calendar = _sla_calendar(tenant)
    holiday = CalendarHoliday.objects.create(calendar=calendar, day=datetime.date(2030, 12, 24))
    sla_services.remove_holiday(actor=admin, holiday=holiday)
    return "holidays"


def _sla_policy(tenant: Tenant) -> object:
    from sla.models import SlaPolicy

    return SlaPolicy.objects.create(name="Sample policy", calendar=_sla_calendar(tenant), is_default=True,
                                    targets={"2": {"resolution": {"seconds": 3600, "business": True}}})  # fmt: skip


def _sla_create_policy(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.create_policy(
        actor=admin, name="Standard", calendar=_sla_calendar(tenant), is_default=True,
        targets={"2": {"first_response": {"seconds": 3600, "business": True}}},
    )  # fmt: skip
    return "targets"


def _sla_update_policy(tenant: Tenant, admin: Membership) -> str:
    from sla import services as sla_services

    sla_services.update_policy(
        actor=admin, policy=_sla_policy(tenant), targets={"2": {"resolution": {"seconds": 7200, "business": True}}}
    )
    return "targets"


# Each sample makes one change as `admin` inside the tenant's scope and returns a key its audit row must carry.
SAMPLES: dict[str, Callable[[Tenant, Membership], str]] = {
    "tenancy.services.update_branding": _branding,
    "tickets.services.attachments.set_attachment_policy": _attachments,
    "sla.services.create_calendar": _sla_create_calendar,
    "sla.services.update_calendar": _sla_update_calendar,
    "sla.services.add_holiday": _sla_add_holiday,
    "sla.services.remove_holiday": _sla_remove_holiday,
    "sla.services.create_policy": _sla_create_policy,
    "sla.services.update_policy": _sla_update_policy,
}
